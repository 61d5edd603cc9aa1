/** Parsed options of `sign-data` (commander's camelCase names). */
export interface SignDataOptions {
  version: '1' | '2';
  keyfile?: string[];
  output?: string;
  appendSignatures?: boolean;
  hsm?: boolean;
  hsmConfig?: string;
  pubKey?: string[];
  signature?: string[];
  skipPadding?: boolean;
  chip?: string;
  checkImage?: boolean;
}

/** Where the signatures of one sign-data run come from. */
export type SigningKeySource =
  | { kind: 'keyfiles'; paths: string[] }
  | { kind: 'precomputed'; publicKeyPaths: string[]; signaturePaths: string[] }
  | { kind: 'hsm'; configPath: string; publicKeyPath?: string };

/** What a signing path hands back: the complete output file and the line to print once it is written. */
export interface SignDataOutcome {
  image: Buffer;
  summary: string;
}
