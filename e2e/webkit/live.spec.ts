import { liveScenarios } from '../scenarios/live.ts';
import { webkitTest } from '../support/fixtures.ts';

liveScenarios(webkitTest);
