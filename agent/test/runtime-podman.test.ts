import { PodmanDriver } from '../src/index.js';
import { CONTAINERS_CONF } from './helpers/podman.js';
import { describeRuntimeDriver } from './helpers/podman-runtime-suite.js';

describeRuntimeDriver('PodmanDriver', async () => ({ driver: new PodmanDriver({ containersConf: CONTAINERS_CONF }) }));
