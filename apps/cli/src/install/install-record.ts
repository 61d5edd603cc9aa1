import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { InstallLayout } from './install-layout';

/** DIR/install.json: what `fleetsign serve` needs besides the configuration file. */
const installRecordSchema = z.object({
  version: z.literal(1),
  /** Port of the gateway on 127.0.0.1 (the URL in client.env). */
  port: z.number().int().min(1).max(65535),
  /** SOFTHSM2_CONF the signer needs for the token, when the token is a SoftHSM2 one. */
  softHsmConf: z.string().optional(),
});

export type InstallRecord = z.infer<typeof installRecordSchema>;

/** The installation's record; FleetSignError naming `fleetsign init` when DIR holds no installation. */
export function readInstallRecord(layout: InstallLayout): InstallRecord {
  let text: string;
  try {
    text = readFileSync(layout.installFile, 'utf8');
  } catch {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `no FleetSign installation in ${layout.dir} (${layout.installFile} missing): run fleetsign init --dir ${layout.dir}`,
    );
  }
  const parsed = installRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new FleetSignError(ErrorCode.InvalidConfig, `${layout.installFile} is not a FleetSign install record`);
  }
  return parsed.data;
}

export function installRecordJson(record: InstallRecord): string {
  return `${JSON.stringify(installRecordSchema.parse(record), null, 2)}\n`;
}
