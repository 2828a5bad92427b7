import { z } from 'zod';
import { DIGID_AUTHENTICATIONS_PER_MINUTE } from '../../norms/index.ts';
import { serviceTimeSchema } from '../capacity/index.ts';
import { LEVELS } from './levels.ts';

/** Default share of test users per highest level of assurance (inferred; see README.md in this folder). */
export const DEFAULT_LEVEL_SHARES = Object.freeze({ Basis: 0.15, Midden: 0.6, Substantieel: 0.2, Hoog: 0.05 });

const share = (level: string) =>
  z
    .number({ error: `levelShares.${level} must be a number in 0..1` })
    .min(0, `levelShares.${level} must be >= 0`)
    .max(1, `levelShares.${level} must be <= 1`);

const levelSharesSchema = z
  .strictObject({
    Basis: share('Basis').default(DEFAULT_LEVEL_SHARES.Basis),
    Midden: share('Midden').default(DEFAULT_LEVEL_SHARES.Midden),
    Substantieel: share('Substantieel').default(DEFAULT_LEVEL_SHARES.Substantieel),
    Hoog: share('Hoog').default(DEFAULT_LEVEL_SHARES.Hoog),
  })
  .refine((s) => Math.abs(LEVELS.reduce((a, l) => a + s[l], 0) - 1) < 1e-9, {
    message: 'levelShares must add up to 1 (give all four: Basis, Midden, Substantieel, Hoog)',
  });

const positiveMs = (what: string) =>
  z
    .number({ error: `${what} must be a number of sim milliseconds` })
    .int(`${what} must be whole milliseconds`)
    .positive(`${what} must be > 0`);

/**
 * Config of the DigiD mock (`digid` section of the mock config). Every key has a default; capacity
 * defaults come from the SNO norms (src/norms), never from literals here.
 */
export const digidConfigSchema = z
  .strictObject({
    /** Authentications admitted per sim minute, all afnemers together (SNO: 10,000). Over it: 503 + Retry-After. */
    perMinute: z
      .number()
      .int('perMinute must be a whole number')
      .positive('perMinute must be > 0')
      .default(DIGID_AUTHENTICATIONS_PER_MINUTE.limit),
    /**
     * Authentications processed at once; the rest wait in a FIFO queue. Absent: enough for `perMinute`
     * at the mean service time twice over (Little's law), at least 16. Like `maxQueue`, a figure of
     * the real system: at clock speed s the mock runs s times as many (time compression).
     */
    concurrency: z.number().int('concurrency must be a whole number').min(1, 'concurrency must be >= 1').optional(),
    /** Authentications that may wait for a worker; beyond it 503 (saturated). Absent: what `perMinute` brings in the 4 s processing norm, at least 100. */
    maxQueue: z.number().int('maxQueue must be a whole number').min(0, 'maxQueue must be >= 0').optional(),
    /** Processing time of one authentication, wall ms (latency is wall time). Default lognormal, median 300 ms, p99 1.5 s. */
    serviceTime: serviceTimeSchema.default({ kind: 'lognormal', medianMs: 300, p99Ms: 1500 }),
    /** The one password of every test user. */
    testPassword: z
      .string()
      .min(1, 'testPassword must not be empty')
      .max(256, 'testPassword is at most 256 characters')
      .default('bbsim'),
    /** How long the login page of an AuthnRequest stays usable, sim ms. */
    requestTtlMs: positiveMs('requestTtlMs').default(15 * 60_000),
    /** How long a SAMLart can be resolved (once), sim ms; also the assertion's Conditions/NotOnOrAfter. */
    artifactTtlMs: positiveMs('artifactTtlMs').default(5 * 60_000),
    /** Lifetime of the session token DigiD hands out, sim ms. Absent: `auth.sessionTtlMs`. */
    sessionTtlMs: positiveMs('sessionTtlMs').optional(),
    /** Bounds on what is kept in memory; the oldest entries go first. */
    maxPendingRequests: z.number().int().min(1, 'maxPendingRequests must be >= 1').default(100_000),
    maxArtifacts: z.number().int().min(1, 'maxArtifacts must be >= 1').default(100_000),
    /** The IdP's entity ID, the Issuer of every Response and Assertion. */
    entityId: z.string().min(1, 'entityId must not be empty').default('urn:bbsim:digid:idp'),
    /** Share of test users per highest level of assurance (a seeded hash of the BSN picks it). */
    levelShares: levelSharesSchema.prefault({}),
    /** The IdP's signing key pair (PEM files). Absent: generated once per database (RSA 2048, self-signed) and kept in it. */
    signing: z
      .strictObject({
        privateKeyFile: z.string().min(1, 'signing.privateKeyFile must not be empty'),
        certificateFile: z.string().min(1, 'signing.certificateFile must not be empty'),
      })
      .optional(),
    /**
     * Registered service providers: entity ID → allowed AssertionConsumerService URLs (and a signing
     * certificate), directly or from their metadata file. Empty (default): every SP and ACS is accepted.
     */
    serviceProviders: z
      .array(
        z
          .strictObject({
            entityId: z.string().min(1, 'entityId must not be empty').optional(),
            acsUrls: z
              .array(z.url({ protocol: /^https?$/, error: 'each acsUrls entry must be an absolute http(s) URL' }))
              .min(1, 'acsUrls needs at least one URL')
              .optional(),
            certificateFile: z.string().min(1).optional(),
            metadataFile: z.string().min(1).optional(),
          })
          .refine((s) => s.entityId !== undefined || s.metadataFile !== undefined, {
            message: 'give entityId (with acsUrls) or metadataFile',
          }),
      )
      .default([]),
    /** Check the signatures of AuthnRequests (HTTP-Redirect SigAlg/Signature) and ArtifactResolves (enveloped) against the registered SPs' certificates. */
    checkSignatures: z.boolean().default(false),
  })
  .refine((c) => !c.checkSignatures || c.serviceProviders.length > 0, {
    message: 'checkSignatures needs serviceProviders (whose certificates the signatures are checked against)',
    path: ['checkSignatures'],
  })
  .prefault({});

export type DigidConfig = z.output<typeof digidConfigSchema>;
