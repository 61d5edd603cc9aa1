import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A small X.509 PKI made with openssl for the certificate checks: a root CA, an
// intermediate CA that issues code-signing certificates through `openssl ca` (start and
// end dates, a revocation database, CRLs), and an unrelated root.

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** openssl's time format for -startdate / -enddate. */
function opensslTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

const DAY = 86_400_000;

export class TestPki {
  readonly root: string;
  readonly otherRoot: string;
  /** The intermediate's certificate (chain material after a leaf). */
  readonly intermediate: string;
  readonly crl: string;

  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'newcerts'), { recursive: true });
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG.replace(/@DIR@/g, dir));
    this.root = this.selfSigned('root', 'FleetSign Test Root');
    this.otherRoot = this.selfSigned('other-root', 'Unrelated Root');
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'inter.key', '-subj', '/CN=FleetSign Test Code Signing CA', '-out', 'inter.csr'], dir);
    openssl(['x509', '-req', '-in', 'inter.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '3650', '-extfile', 'ca.cnf', '-extensions', 'v3_ca', '-out', 'inter.pem'], dir);
    this.intermediate = join(dir, 'inter.pem');
    this.crl = join(dir, 'crl.pem');
    this.writeCrl();
  }

  private selfSigned(name: string, cn: string): string {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '3650', '-config', 'ca.cnf', '-extensions', 'v3_ca', '-out', `${name}.pem`], this.dir);
    return join(this.dir, `${name}.pem`);
  }

  /**
   * Issues a certificate for the key of `csrPath` from the intermediate; returns a PEM file
   * with the certificate then the intermediate. `usage` 'codesign' or 'serverauth'.
   */
  issue(name: string, csrPath: string, options: { fromDays?: number; toDays?: number; usage?: 'codesign' | 'serverauth' } = {}): string {
    const now = Date.now();
    const leaf = join(this.dir, `${name}.leaf.pem`);
    openssl(
      [
        'ca', '-batch', '-notext', '-config', 'ca.cnf', '-in', csrPath, '-out', leaf,
        '-extensions', options.usage ?? 'codesign',
        '-startdate', opensslTime(new Date(now + (options.fromDays ?? -1) * DAY)),
        '-enddate', opensslTime(new Date(now + (options.toDays ?? 365) * DAY)),
      ],
      this.dir,
    );
    const chain = join(this.dir, `${name}.chain.pem`);
    writeFileSync(chain, readFileSync(leaf, 'utf8') + readFileSync(this.intermediate, 'utf8'));
    return chain;
  }

  /** Revokes a certificate issued by `issue` and rewrites the CRL. */
  revoke(name: string): void {
    openssl(['ca', '-config', 'ca.cnf', '-revoke', `${name}.leaf.pem`], this.dir);
    this.writeCrl();
  }

  private writeCrl(): void {
    openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem'], this.dir);
  }
}

const CA_CONFIG = `
[ca]
default_ca = intermediate

[intermediate]
dir = @DIR@
database = @DIR@/index.txt
new_certs_dir = @DIR@/newcerts
serial = @DIR@/serial
crlnumber = @DIR@/crlnumber
certificate = @DIR@/inter.pem
private_key = @DIR@/inter.key
default_md = sha256
default_crl_days = 30
policy = any_name
unique_subject = no
copy_extensions = none

[any_name]
commonName = supplied

[req]
distinguished_name = req_name

[req_name]

[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[codesign]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning

[serverauth]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
`;
