import { loadGatewayConfig } from '@fleetsign/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadNotifierProcessSettings } from '../../apps/notifier/src/notifier-process-settings';
import { DEFAULT_SIGNER_METRICS_PORT } from '../../apps/signer/src/settings/signer-settings';

// The container files read as files (no Docker engine here): the ports they expose and
// probe are the ones the processes listen on by default, every image tag is pinned, and
// compose restarts and health-checks every long-running service.

const ROOT = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8');

interface ComposeService {
  image?: string;
  build?: { target: string };
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** The port each FleetSign process listens on by default (API or metrics/health listener). */
const PORTS = {
  gateway: loadGatewayConfig({}).port,
  signer: DEFAULT_SIGNER_METRICS_PORT,
  notifier: loadNotifierProcessSettings({}).metricsPort,
};
const PROBES = { gateway: '/readyz', signer: '/healthz', notifier: '/healthz' };

/** The lines of one Dockerfile stage (FROM ... AS name up to the next FROM). */
function stage(name: string): string {
  const start = dockerfile.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
  expect(start).toBeGreaterThanOrEqual(0);
  const next = dockerfile.indexOf('\nFROM ', start + 1);
  return dockerfile.slice(start, next < 0 ? undefined : next);
}

/** A tag that names one release: not latest, not a bare major like 7-alpine or 22-bookworm. */
function pinned(image: string): boolean {
  const tag = image.split('@')[0].split(':')[1] ?? '';
  return /^(\d+\.\d+\.\d+|RELEASE\.\d{4}-)/.test(tag);
}

describe('Dockerfile', () => {
  it('installs with npm ci from the lock file, on pinned base images', () => {
    expect(dockerfile).toMatch(/^COPY package\.json package-lock\.json \.\/$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).not.toMatch(/npm install/);
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]).filter((image) => image.includes(':'));
    expect(bases.length).toBeGreaterThan(0);
    for (const image of bases) expect([image, pinned(image)]).toEqual([image, true]);
  });

  it('runs every process under tini', () => {
    expect(stage('runtime-base')).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(stage('signer')).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/usr\/local\/bin\/signer-entrypoint\.sh"\]$/m);
  });

  it.each(Object.entries(PORTS))('the %s stage exposes and health-checks its real port', (name, port) => {
    const text = stage(name);
    expect([...text.matchAll(/^EXPOSE (.+)$/gm)].map((match) => match[1])).toEqual([String(port)]);
    expect(text).toMatch(/^HEALTHCHECK /m);
    expect(text).toContain(`fetch('http://127.0.0.1:${port}${PROBES[name as keyof typeof PROBES]}')`);
    expect(text).toMatch(/^USER node$/m);
  });
});

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);

  it('pins every image tag', () => {
    for (const [name, service] of services) {
      if (service.image) expect([name, service.image, pinned(service.image)]).toEqual([name, service.image, true]);
    }
  });

  it('restarts every service', () => {
    for (const [name, service] of services) expect([name, service.restart]).toEqual([name, expect.stringMatching(/^(unless-stopped|always|on-failure)$/)]);
  });

  it.each(Object.entries(PORTS))('health-checks the %s on its real port', (name, port) => {
    const service = compose.services[name];
    expect(service.build?.target).toBe(name);
    expect(service.restart).toBe('unless-stopped');
    expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}${PROBES[name as keyof typeof PROBES]}`);
  });

  it('starts a service only after what it depends on is healthy (or, for the bucket job, done)', () => {
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        if (condition === 'service_completed_successfully') {
          expect([name, dependency, target.restart]).toEqual([name, dependency, 'on-failure']);
          continue;
        }
        expect([name, dependency, condition]).toEqual([name, dependency, 'service_healthy']);
        expect([dependency, target.healthcheck]).toEqual([dependency, expect.anything()]);
      }
    }
    expect(Object.keys(compose.services.gateway.depends_on ?? {})).toContain('redis');
    expect(Object.keys(compose.services.signer.depends_on ?? {})).toContain('redis');
    expect(Object.keys(compose.services.notifier.depends_on ?? {})).toContain('redis');
  });
});
