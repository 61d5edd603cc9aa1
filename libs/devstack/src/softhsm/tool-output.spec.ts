import { parsePkcs11Objects, parseSoftHsmSlots } from './tool-output';

// Captured from softhsm2-util 2.6.1 and pkcs11-tool (OpenSC 0.23) on Debian 12.
const SHOW_SLOTS = `Available slots:
Slot 625945956
    Slot info:
        Description:      SoftHSM slot ID 0x254f2d64                                      
        Manufacturer ID:  SoftHSM project                 
        Token present:    yes
    Token info:
        Manufacturer ID:  SoftHSM project                 
        Model:            SoftHSM v2      
        Serial number:    646e763d254f2d64
        Initialized:      yes
        User PIN init.:   yes
        Label:            demo                            
Slot 1
    Slot info:
        Description:      SoftHSM slot ID 0x1                                             
        Token present:    yes
    Token info:
        Serial number:                    
        Initialized:      no
        User PIN init.:   no
        Label:                                            
`;

const PRIVATE_KEYS = `Private Key Object; RSA 
  label:      fw-rsa-3072
  ID:         01
  Usage:      decrypt, sign, unwrap
  Access:     sensitive, always sensitive, never extractable, local
Private Key Object; EC
  label:      fw-ec-p256
  ID:         0A
  Usage:      decrypt, sign, unwrap, derive
  Access:     sensitive, always sensitive, never extractable, local
`;

const PUBLIC_KEYS = `Public Key Object; EC  EC_POINT 256 bits
  EC_POINT:   04410411a8fd5ed2c6e34eba15551804e46fb446bbaad56b87757393a381a92eaafc17ff6e23cf
  EC_PARAMS:  06082a8648ce3d030107
  label:      fw-ec-p256
  ID:         0a
  Usage:      encrypt, verify, wrap, derive
  Access:     local
Certificate Object; type = X.509 cert
  label:      not-a-key
  subject:    DN: CN=x
  ID:         99
Public Key Object; RSA 3072 bits
  label:      fw-rsa-3072
  ID:         01
  Usage:      encrypt, verify, wrap
  Access:     local
`;

describe('parseSoftHsmSlots', () => {
  it('reads slot ids, initialisation and trimmed token labels', () => {
    expect(parseSoftHsmSlots(SHOW_SLOTS)).toEqual([
      { slotId: 625945956, initialized: true, tokenLabel: 'demo' },
      { slotId: 1, initialized: false, tokenLabel: undefined },
    ]);
  });

  it('finds nothing in unrelated text', () => {
    expect(parseSoftHsmSlots('error: could not load the library\n')).toEqual([]);
  });
});

describe('parsePkcs11Objects', () => {
  it('reads private keys with type, label and lower-case id', () => {
    expect(parsePkcs11Objects(PRIVATE_KEYS)).toEqual([
      { kind: 'private', keyType: 'RSA', label: 'fw-rsa-3072', id: '01' },
      { kind: 'private', keyType: 'EC', label: 'fw-ec-p256', id: '0a' },
    ]);
  });

  it('reads public key sizes and skips objects that are not keys', () => {
    expect(parsePkcs11Objects(PUBLIC_KEYS)).toEqual([
      { kind: 'public', keyType: 'EC', bits: 256, label: 'fw-ec-p256', id: '0a' },
      { kind: 'public', keyType: 'RSA', bits: 3072, label: 'fw-rsa-3072', id: '01' },
    ]);
  });
});
