import { clusterScenarios } from '../scenarios/cluster.ts';
import { test } from '../support/fixtures.ts';

clusterScenarios(test);
