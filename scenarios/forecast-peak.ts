// Emitted by `bbsim forecast --emit-scenario` from scenarios/forecasts/example.csv — regenerate rather than edit.
// Forecast peak from scenarios/forecasts/example.csv: 5 minutes from Wed 2028-03-01 20:33 (the busiest of the peak hour), 141 deliver-batch/min, 10,902 digid-authenticate/min, 680 machtigen-check/min, 0.60 validation-query/min.
// Sim clock 2028-03-01T20:33:00+01:00 at speed 6: about 50 s of wall time, at most 1,159 requests/s.
// Flow weights are the forecast's rates per sim minute in each flow's unit (letters for deliver-batch).
// Note: the whole hour would need 13,904 requests/s (speed 72) to run within 50 s, over the 1,200 requests/s allowed: the scenario covers its 5 busiest minutes; per-hour norms see only those minutes.
import { defineScenario, minutes, normsOf } from '../src/scenario/index.ts';
import { perMinute } from '../src/norms/index.ts';

export default defineScenario({
  name: 'forecast-peak',
  description: "Forecast peak from scenarios/forecasts/example.csv: 5 minutes from Wed 2028-03-01 20:33 (the busiest of the peak hour), 141 deliver-batch/min, 10,902 digid-authenticate/min, 680 machtigen-check/min, 0.60 validation-query/min",
  clock: { start: '2028-03-01T20:33:00+01:00', speed: 6 },
  flows: [
    { flow: 'deliver-batch', weight: 141.2 },
    { flow: 'digid-authenticate', weight: 10902.4 },
    { flow: 'machtigen-check', weight: 680.2 },
    { flow: 'validation-query', weight: 0.6 },
  ],
  load: { kind: 'constant', rate: perMinute(11724.4), duration: minutes(5) },
  data: { batchSize: 100, attachmentShare: 0.375, attachmentBytes: 20000 },
  norms: normsOf(['berichtenbox-intake', 'digid', 'digid-machtigen', 'validatieservice', 'notificaties']),
  // The forecast predicts these breaches; `bbsim run` says whether the run agrees.
  expectBreaches: ['digid.authentications-per-minute'],
});
