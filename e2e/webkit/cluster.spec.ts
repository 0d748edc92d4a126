import { clusterScenarios } from '../scenarios/cluster.ts';
import { webkitTest } from '../support/fixtures.ts';

clusterScenarios(webkitTest);
