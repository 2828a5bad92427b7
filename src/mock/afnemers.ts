/**
 * The afnemers (message suppliers) the mock knows by default: the four largest senders from
 * INTERFACES.md plus a test afnemer. The OINs are synthetic 20-digit numbers of the real form
 * (00000001 + 9-digit RSIN-like part + 000); the letter types are illustrative.
 */
export interface AfnemerConfig {
  readonly oin: string;
  readonly naam: string;
  /** BerichtTypes configured and active for this afnemer (1-8 characters each). */
  readonly berichtTypes: readonly string[];
}

export const DEFAULT_AFNEMERS: readonly AfnemerConfig[] = Object.freeze(
  [
    { oin: '00000001003214345000', naam: 'Belastingdienst', berichtTypes: ['VAIB', 'AANSLAG', 'TOESLAG', 'BLAUWEBR'] },
    { oin: '00000001005401014000', naam: 'UWV', berichtTypes: ['WW', 'WIA', 'JAAROPG'] },
    { oin: '00000001801469000000', naam: 'RDW', berichtTypes: ['APK', 'KENTEKEN'] },
    { oin: '00000001002220647000', naam: 'SVB', berichtTypes: ['AOW', 'KINDERB'] },
    { oin: '00000009999999990000', naam: 'Test-afnemer bbsim', berichtTypes: ['TEST', 'BRIEF'] },
  ].map((a) => Object.freeze({ ...a, berichtTypes: Object.freeze([...a.berichtTypes]) })),
);
