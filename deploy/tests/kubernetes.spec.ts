import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { GatewayMetrics } from '../../apps/gateway/src/metrics/gateway-metrics';
import { DEFAULT_SIGNER_METRICS_PORT } from '../../apps/signer/src/settings/signer-settings';
import { loadGatewayConfig } from '@fleetsign/config';
import { loadNotifierProcessSettings } from '../../apps/notifier/src/notifier-process-settings';
import { type K8sObject, type KedaScaledObject, validateObject } from './kubernetes-models';

// The Kustomize overlays as `kubectl kustomize` renders them: every object validates
// against the Kubernetes, KEDA and Prometheus-operator schemas, and the policies the
// design promises hold (restricted containers, probes on real routes, an isolated
// signer, a notifier kept out of private networks, pinned images).

const KUSTOMIZE = join(__dirname, '..', 'kubernetes');
const OVERLAYS = ['dev', 'production'] as const;

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const KUBECTL = hasKubectl();

/** The overlay rendered by kubectl; without kubectl, the base files as written (said on stderr). */
function render(overlay: string): K8sObject[] {
  let text: string;
  if (KUBECTL) {
    text = execFileSync('kubectl', ['kustomize', join(KUSTOMIZE, 'overlays', overlay)], { encoding: 'utf8' });
  } else {
    process.stderr.write(`kubectl is not installed: checking the base manifests directly instead of overlay ${overlay}\n`);
    const base = join(KUSTOMIZE, 'base');
    // The base's image pins, applied as kustomize would.
    const { images } = parse(readFileSync(join(base, 'kustomization.yaml'), 'utf8')) as {
      images: Array<{ name: string; newName: string; newTag: string }>;
    };
    text = readdirSync(base)
      .filter((name) => name.endsWith('.yaml') && !['kustomization.yaml', 'fleetsign.yaml'].includes(name))
      .map((name) => readFileSync(join(base, name), 'utf8'))
      .join('\n---\n');
    for (const image of images) text = text.replaceAll(`image: ${image.name}\n`, `image: ${image.newName}:${image.newTag}\n`);
  }
  return parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

interface Container {
  name: string;
  image: string;
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; configMap?: unknown; secret?: unknown }>;
  terminationGracePeriodSeconds?: number;
}
type Workload = K8sObject & { spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };
interface EgressRule {
  to?: Array<{ ipBlock?: { cidr: string; except?: string[] }; podSelector?: unknown; namespaceSelector?: unknown }>;
  ports?: Array<{ port: number }>;
}
type NetworkPolicy = K8sObject & {
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress?: Array<{ ports?: Array<{ port: number }> }>; egress?: EgressRule[] };
};

const PORTS = {
  gateway: loadGatewayConfig({}).port,
  signer: DEFAULT_SIGNER_METRICS_PORT,
  notifier: loadNotifierProcessSettings({}).metricsPort,
};
const SERVICE_CONTAINERS = Object.keys(PORTS) as Array<keyof typeof PORTS>;
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

describe.each(OVERLAYS)('deploy/kubernetes overlay %s', (overlay) => {
  const objects = render(overlay);
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const workloads = objects.filter((object) => ['Deployment', 'StatefulSet'].includes(object.kind)) as Workload[];
  const workload = (name: string) => workloads.find((object) => object.metadata.name === `fleetsign-${name}`) as Workload;
  const policy = (name: string) => byKind('NetworkPolicy').find((object) => object.metadata.name === `fleetsign-${name}`) as NetworkPolicy;

  it('renders every FleetSign object, each valid against its schema', () => {
    for (const name of SERVICE_CONTAINERS) expect(workload(name)).toBeDefined();
    const kinds = new Set(objects.map((object) => object.kind));
    const expected = ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ScaledObject', 'NetworkPolicy', 'ServiceMonitor'];
    for (const kind of expected) expect([kind, kinds.has(kind)]).toEqual([kind, true]);
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });

  it('restricts every container: non-root, read-only root, no capabilities, RuntimeDefault seccomp, requests and limits', () => {
    for (const object of workloads) {
      const pod = object.spec.template.spec;
      expect([object.metadata.name, pod.securityContext?.runAsNonRoot, pod.securityContext?.seccompProfile?.type]).toEqual([
        object.metadata.name,
        true,
        'RuntimeDefault',
      ]);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const where = `${object.metadata.name}/${container.name}`;
        expect([where, container.securityContext]).toEqual([
          where,
          expect.objectContaining({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }),
        ]);
        for (const kind of ['requests', 'limits'] as const) {
          expect([where, kind, container.resources?.[kind]]).toEqual([where, kind, expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) })]);
        }
      }
    }
  });

  it('pins every image to a version tag', () => {
    for (const object of workloads) {
      const pod = object.spec.template.spec;
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect([container.image, /:(\d+\.\d+\.\d+|RELEASE\.\d{4}-[\w-]+)(-[\w.]+)?$/.test(container.image)]).toEqual([container.image, true]);
      }
    }
  });

  it.each(SERVICE_CONTAINERS)('probes the %s on its real routes and port, with config and secrets as files', (name) => {
    const pod = workload(name).spec.template.spec;
    const container = pod.containers.find((candidate) => candidate.name === name) as Container;
    const port = container.ports?.find((candidate) => candidate.name === container.livenessProbe?.httpGet?.port);
    expect(port?.containerPort).toBe(PORTS[name]);
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: port?.name });
    const config = pod.volumes?.find((volume) => volume.configMap !== undefined);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: config?.name, mountPath: '/etc/fleetsign', readOnly: true }]));
    expect(pod.volumes?.some((volume) => volume.secret !== undefined)).toBe(true);
    // Secrets come as files; REDIS_URL (production) is the one setting without a _FILE form.
    const fromSecretEnv = (container.env ?? []).filter((entry) => entry.valueFrom !== undefined).map((entry) => entry.name);
    expect(fromSecretEnv.filter((envName) => envName !== 'REDIS_URL')).toEqual([]);
  });

  it('gives the signer no Service, no ingress but metrics, and egress to named destinations only', () => {
    const signerLabels = workload('signer').spec.template.metadata.labels;
    for (const service of byKind('Service') as Array<K8sObject & { spec: { selector?: Record<string, string> } }>) {
      const selector = Object.entries(service.spec.selector ?? {});
      const selectsSigner = selector.length > 0 && selector.every(([key, value]) => signerLabels[key] === value);
      expect([service.metadata.name, selectsSigner]).toEqual([service.metadata.name, false]);
    }
    const signer = policy('signer');
    expect(signer.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'fleetsign-signer' });
    expect(signer.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(signer.spec.ingress?.flatMap((rule) => rule.ports?.map((port) => port.port))).toEqual([PORTS.signer]);
    for (const rule of signer.spec.egress ?? []) {
      expect(rule.to?.length).toBeGreaterThan(0);
      expect(rule.ports?.length).toBeGreaterThan(0);
      for (const peer of rule.to ?? []) expect(['0.0.0.0/0', '::/0']).not.toContain(peer.ipBlock?.cidr);
    }
    expect(signer.spec.egress?.some((rule) => rule.ports?.some((port) => port.port === 53))).toBe(true);
  });

  it('lets the notifier reach the internet but not private ranges', () => {
    const notifier = policy('notifier');
    const internet = (notifier.spec.egress ?? []).flatMap((rule) => rule.to ?? []).find((peer) => peer.ipBlock?.cidr === '0.0.0.0/0');
    expect(internet?.ipBlock?.except).toEqual(expect.arrayContaining(PRIVATE_RANGES));
    expect(notifier.spec.ingress?.flatMap((rule) => rule.ports?.map((port) => port.port))).toEqual([PORTS.notifier]);
  });

  it('gives in-flight jobs the time they need: grace period beyond the signer shutdown timeout', () => {
    const pod = workload('signer').spec.template.spec;
    const timeout = pod.containers[0].env?.find((entry) => entry.name === 'FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS')?.value;
    expect(Number(timeout)).toBeGreaterThan(0);
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(Number(timeout));
  });

  it('scales the signer on the queue-depth metric the gateway exports, prioritised jobs included', async () => {
    const scaled = byKind('ScaledObject')[0] as KedaScaledObject;
    expect(scaled.spec.scaleTargetRef.name).toBe('fleetsign-signer');
    const trigger = scaled.spec.triggers[0];
    expect(trigger.type).toBe('prometheus');
    const query = String(trigger.metadata.query);
    expect(query).toContain('prioritized');
    const metrics = new GatewayMetrics([{ name: 'sign', getJobCounts: async () => ({ waiting: 2, prioritized: 5 }) }]);
    const text = await metrics.registry.metrics();
    const metric = /^(fleetsign_\w+)\{/.exec(query.replace(/^.*?\(\s*(?=fleetsign_)/, ''))?.[1];
    expect(metric).toBe('fleetsign_queue_jobs');
    // Every series also carries the process's `service` label; the query matches on queue and state.
    expect(text).toMatch(/^fleetsign_queue_jobs\{queue="sign",state="prioritized",service="gateway"\} 5$/m);
  });
});
