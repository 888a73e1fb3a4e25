import type { HubComponent } from './component.js';
import { createControllersComponent } from './controllers/index.js';
import { createMqttComponent, type MqttComponentOptions } from './mqtt/component.js';
import { createClusterMetricsComponent } from './prometheus/cluster-metrics.js';
import { createSchedulerComponent } from './scheduler/scheduler.js';
import { createEndpointsController } from './services/endpoints-controller.js';
import { createServiceTablePublisher } from './services/table-publisher.js';

/**
 * Everything `peapod hub` runs besides the HTTP API, in start order (K3s-style embedded
 * defaults): the MQTT bridge (embedded broker unless `mqtt.broker` names an external one), the
 * scheduler, the controllers, the endpoints controller, the Service table publisher — which
 * needs the MQTT bridge started before it — and the fleet gauges of `/metrics`.
 */
export function defaultHubComponents(mqtt: MqttComponentOptions = {}): HubComponent[] {
  return [
    createMqttComponent(mqtt),
    createSchedulerComponent(),
    createControllersComponent(),
    createEndpointsController(),
    createServiceTablePublisher(),
    createClusterMetricsComponent(),
  ];
}
