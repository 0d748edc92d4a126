import { fallbackScenarios } from '../scenarios/fallback.ts';
import { webkitTest } from '../support/fixtures.ts';

fallbackScenarios(webkitTest);
