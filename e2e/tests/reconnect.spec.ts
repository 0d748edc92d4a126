import { reconnectScenarios } from '../scenarios/reconnect.ts';
import { test } from '../support/fixtures.ts';

reconnectScenarios(test);
