import { BatchStore } from '@fleetsign/queue';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { FleetSignConfig } from '@fleetsign/config';
import { AuditController } from '../audit/audit.controller';
import { AuditService } from '../audit/audit.service';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { BatchItemEnqueuer } from '../batches/batch-item-enqueuer';
import { BatchesController } from '../batches/batches.controller';
import { BatchesService } from '../batches/batches.service';
import { ConsoleController, ConsolePageController } from '../console/console.controller';
import { ConsoleSessions } from '../console/console-sessions';
import { ConsoleService } from '../console/console.service';
import { HealthController } from '../health/health.controller';
import { JobsController } from '../jobs/jobs.controller';
import { JobsService } from '../jobs/jobs.service';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { MetricsController } from '../metrics/metrics.controller';
import { ObjectsController } from '../objects/objects.controller';
import { ProfilesController } from '../profiles/profiles.controller';
import { ProfilesService } from '../profiles/profiles.service';
import { UploadIntents } from '../uploads/upload-intents';
import { UploadsController } from '../uploads/uploads.controller';
import { UploadsService } from '../uploads/uploads.service';
import type { GatewayResources } from './gateway-resources';
import { GatewaySettings } from './gateway-settings';
import { FLEET_CONFIG, OBJECT_STORE, REDIS, SIGN_QUEUE, WEBHOOK_QUEUE } from './gateway.tokens';

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
      ],
      providers: [
        { provide: FLEET_CONFIG, useValue: fleet },
        { provide: REDIS, useValue: resources.redis },
        { provide: SIGN_QUEUE, useValue: resources.signQueue },
        { provide: WEBHOOK_QUEUE, useValue: resources.webhookQueue },
        { provide: OBJECT_STORE, useValue: resources.store },
        { provide: GatewaySettings, useValue: resources.settings },
        { provide: GatewayMetrics, useValue: resources.metrics },
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
        { provide: ConsoleSessions, useValue: new ConsoleSessions(resources.redis, resources.settings.prefix, fleet) },
      ],
    };
  }
}
