import { DockerDriver } from '../src/index.js';
import { describeRuntimeDriver } from './helpers/podman-runtime-suite.js';
import { startPodmanService } from './helpers/podman-service.js';

describeRuntimeDriver('DockerDriver', async () => {
  const service = await startPodmanService();
  const driver = new DockerDriver({ socketPath: service.socketPath });
  return {
    driver,
    teardown: async () => {
      driver.close();
      await service.stop();
    },
  };
});
