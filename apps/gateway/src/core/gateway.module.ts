import { BatchStore } from '@fleetsign/queue';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { FleetSignConfig } from '@fleetsign/config';
import { ApprovalExpiryWorker } from '../approvals/approval-expiry.worker';
import { ApprovalsController } from '../approvals/approvals.controller';
import { ApprovalsService } from '../approvals/approvals.service';
import { AuditController } from '../audit/audit.controller';
import { AuditService } from '../audit/audit.service';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { OidcVerifier } from '../auth/oidc-verifier';
import { BatchIntake } from '../batches/batch-intake';
import { BatchItemEnqueuer } from '../batches/batch-item-enqueuer';
import { BatchesController } from '../batches/batches.controller';
import { BatchesService } from '../batches/batches.service';
import { ConsoleController, ConsolePageController } from '../console/console.controller';
import { ConsoleSessions } from '../console/console-sessions';
import { ConsoleService } from '../console/console.service';
import { HealthController } from '../health/health.controller';
import { IntakeStore } from '../intake/intake-store';
import { JobsController } from '../jobs/jobs.controller';
import { JobsService } from '../jobs/jobs.service';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MetricsController } from '../metrics/metrics.controller';
import { ObjectsController } from '../objects/objects.controller';
import { ProfilesController } from '../profiles/profiles.controller';
import { ProfilesService } from '../profiles/profiles.service';
import { TenantQuotas } from '../quotas/tenant-quotas';
import { AutoReconcile } from '../reconcile/auto-reconcile';
import { ReconcileController } from '../reconcile/reconcile.controller';
import { Reconciler } from '../reconcile/reconciler';
import { SignatureStatusService } from '../signatures/signature-status.service';
import { SignaturesController } from '../signatures/signatures.controller';
import { UploadIntents } from '../uploads/upload-intents';
import { UploadsController } from '../uploads/uploads.controller';
import { UploadsService } from '../uploads/uploads.service';
import type { GatewayResources } from './gateway-resources';
import { GatewaySettings } from './gateway-settings';
import { APPROVAL_QUEUE, FLEET_CONFIG, OBJECT_STORE, REDIS, SIGN_QUEUE, WEBHOOK_QUEUE, WORKER_REDIS } from './gateway.tokens';

/** The HTTP API. Resources are opened by `createGateway` and handed in, so tests and main share one path. */
@Module({})
export class GatewayModule {
  static register(resources: GatewayResources, fleet: FleetSignConfig): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [
        HealthController,
        MetricsController,
        UploadsController,
        ObjectsController,
        JobsController,
        BatchesController,
        ProfilesController,
        ConsolePageController,
        ConsoleController,
        AuditController,
        ApprovalsController,
        ReconcileController,
        SignaturesController,
      ],
      providers: [
        { provide: FLEET_CONFIG, useValue: fleet },
        { provide: REDIS, useValue: resources.redis },
        { provide: SIGN_QUEUE, useValue: resources.signQueue },
        { provide: WEBHOOK_QUEUE, useValue: resources.webhookQueue },
        { provide: APPROVAL_QUEUE, useValue: resources.approvalQueue },
        { provide: WORKER_REDIS, useValue: resources.workerRedis },
        { provide: OBJECT_STORE, useValue: resources.store },
        { provide: GatewaySettings, useValue: resources.settings },
        { provide: GatewayMetrics, useValue: resources.metrics },
        {
          provide: OidcVerifier,
          useValue: new OidcVerifier(fleet.identities ?? [], (reason) => resources.metrics.tokenRefusals.inc({ reason })),
        },
        {
          provide: TenantQuotas,
          useValue: new TenantQuotas(resources.redis, resources.settings.prefix, fleet, {
            onRefused: (tenant, code) => resources.metrics.quotaRefusals.inc({ tenant, code }),
          }),
        },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        UploadIntents,
        UploadsService,
        JobsService,
        { provide: BatchStore, useValue: new BatchStore(resources.redis, resources.settings.prefix) },
        BatchItemEnqueuer,
        BatchesService,
        ProfilesService,
        ConsoleService,
        AuditService,
        ApprovalsService,
        ApprovalExpiryWorker,
        IntakeStore,
        BatchIntake,
        Reconciler,
        AutoReconcile,
        SignatureStatusService,
        { provide: ConsoleSessions, useValue: new ConsoleSessions(resources.redis, resources.settings.prefix, fleet) },
      ],
    };
  }
}
