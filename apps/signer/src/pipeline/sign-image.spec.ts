import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { buildEspImage } from '@fleetsign/secure-boot';
import { pemProfile } from '../testing/pem-profile';
import { signImage } from './sign-image';

// signImage tells which keys produced a signature: key usage gives back the reservation of
// every key that did not (the HSM failed), and keeps the others (what the HSM signed counts).

const ESP32_S3 = 9;

describe('signImage onSigned', () => {
  it('hears of every key that signed', async () => {
    const signed: number[] = [];
    await signImage(buildEspImage({ chipId: ESP32_S3, size: 8192 }), pemProfile('sbv2-ecdsa-p256', 2), undefined, (index) => signed.push(index));
    expect(signed.sort()).toEqual([0, 1]);
  });

  it('does not hear of a key whose signing failed, and the signing fails', async () => {
    const profile = pemProfile('sbv2-ecdsa-p256', 2);
    const failing = {
      ...profile,
      keys: [
        profile.keys[0],
        {
          ...profile.keys[1],
          signer: Object.assign(Object.create(profile.keys[1].signer) as typeof profile.keys[1]['signer'], {
            sign: async () => {
              throw new FleetSignError(ErrorCode.HsmUnavailable, 'token removed');
            },
          }),
        },
      ],
    };
    const signed: number[] = [];
    await expect(signImage(buildEspImage({ chipId: ESP32_S3, size: 8192 }), failing, undefined, (index) => signed.push(index))).rejects.toMatchObject({
      code: ErrorCode.HsmUnavailable,
    });
    expect(signed).not.toContain(1);
  });
});
