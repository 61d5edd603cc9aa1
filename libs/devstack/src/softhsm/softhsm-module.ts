import { accessSync, constants } from 'node:fs';
import { DevStackError } from '../devstack-error';

/** Where Debian and other distributions install the SoftHSM2 PKCS#11 module. */
export const SOFTHSM_MODULE_CANDIDATES: readonly string[] = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/** What to install when the SoftHSM2 tools are missing. */
export const SOFTHSM_INSTALL_HINT =
  'install the Debian packages softhsm2 and opensc (apt-get install -y softhsm2 opensc)';

/** Path of libsofthsm2.so: `preferred` when given (it must be readable), else the first installed candidate. */
export function findSoftHsmModule(preferred?: string): string {
  const candidates = preferred ? [preferred] : SOFTHSM_MODULE_CANDIDATES;
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.R_OK);
      return candidate;
    } catch {
      // try the next location
    }
  }
  throw new DevStackError(
    `SoftHSM2 PKCS#11 module not found (looked at ${candidates.join(', ')}): ${SOFTHSM_INSTALL_HINT}`,
  );
}
