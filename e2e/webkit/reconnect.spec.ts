import { reconnectScenarios } from '../scenarios/reconnect.ts';
import { webkitTest } from '../support/fixtures.ts';

reconnectScenarios(webkitTest);
