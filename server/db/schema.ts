import type { ColumnType, Generated } from 'kysely';

/**
 * The database's tables, written once as a runtime spec from which the Kysely types are
 * inferred. A test (test/integration/schema.test.ts) compares this spec with the migrated
 * schema on both databases, so the types cannot drift from the migrations.
 *
 * Conventions: bigint ids travel as strings (bigint-safe JSON); dates as 'YYYY-MM-DD'
 * strings; timestamps as Date.
 */
interface ColumnSpec<T> {
  readonly pgType: string;
  readonly nullable: boolean;
  /** Phantom: carries the TypeScript type only. */
  readonly __type?: T;
}

const col = <T>(pgType: string, nullable = false): ColumnSpec<T> => ({ pgType, nullable });

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Id = Generated<string>;

export const schema = {
  users: {
    id: col<Id>('bigint'),
    pseudonym: col<string>('text'),
    pseudonym_key: col<string>('text'),
    password_hash: col<string>('text'),
    recovery_code_hash: col<string>('text'),
    role: col<ColumnType<Role, Role | undefined, Role>>('text'),
    preferences: col<ColumnType<StoredPreferences, string | undefined, string>>('jsonb'),
    recovery_start_date: col<string | null>('date', true),
    show_recovery_days: col<Generated<boolean>>('boolean'),
    guidelines_accepted_at: col<Timestamp>('timestamp with time zone'),
    suspended_until: col<Date | string | null>('timestamp with time zone', true),
    suspension_reason: col<string | null>('text', true),
    created_at: col<Timestamp>('timestamp with time zone'),
    time_zone: col<string | null>('text', true),
  },
  sessions: {
    token_hash: col<string>('text'),
    user_id: col<string>('bigint'),
    created_at: col<Timestamp>('timestamp with time zone'),
    last_seen_at: col<Timestamp>('timestamp with time zone'),
  },
  communities: {
    id: col<Id>('bigint'),
    slug: col<string>('text'),
    name: col<string>('text'),
    description: col<string>('text'),
    thread_count: col<Generated<number>>('integer'),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  threads: {
    id: col<Id>('bigint'),
    community_id: col<string>('bigint'),
    title: col<string>('text'),
    author_id: col<string | null>('bigint', true),
    anonymous: col<Generated<boolean>>('boolean'),
    alias: col<string | null>('text', true),
    content_warnings: col<Warnings>('ARRAY'),
    reply_count: col<Generated<number>>('integer'),
    created_at: col<Timestamp>('timestamp with time zone'),
    last_activity_at: col<Timestamp>('timestamp with time zone'),
    search: col<GeneratedAlways>('tsvector', true),
  },
  posts: {
    id: col<Id>('bigint'),
    thread_id: col<string>('bigint'),
    parent_id: col<string | null>('bigint', true),
    path: col<string>('text'),
    depth: col<number>('integer'),
    child_count: col<Generated<number>>('integer'),
    author_id: col<string | null>('bigint', true),
    anonymous: col<Generated<boolean>>('boolean'),
    alias: col<string | null>('text', true),
    /** The alias belongs to this post alone (it was anonymized after being shown under a name). */
    alias_solo: col<Generated<boolean>>('boolean'),
    body_md: col<string>('text'),
    body_html: col<string>('text'),
    content_warnings: col<Warnings>('ARRAY'),
    created_at: col<Timestamp>('timestamp with time zone'),
    edited_at: col<Date | string | null>('timestamp with time zone', true),
    deleted_at: col<Date | string | null>('timestamp with time zone', true),
    hidden_reason: col<string | null>('text', true),
    hidden_by: col<'moderator' | 'community' | null>('text', true),
    search: col<GeneratedAlways>('tsvector', true),
  },
  post_revisions: {
    id: col<Id>('bigint'),
    post_id: col<string>('bigint'),
    body_md: col<string>('text'),
    content_warnings: col<string[]>('ARRAY'),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  mutes: {
    muter_id: col<string>('bigint'),
    muted_id: col<string>('bigint'),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  idempotency_keys: {
    user_id: col<string>('bigint'),
    key: col<string>('text'),
    request_hash: col<string>('text'),
    status: col<number | null>('integer', true),
    response: col<ColumnType<unknown, string | null | undefined, string | null>>('jsonb', true),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  retired_pseudonyms: {
    digest: col<string>('text'),
    until: col<Timestamp>('timestamp with time zone'),
  },
  rate_limits: {
    key: col<string>('text'),
    count: col<number>('integer'),
    reset_at: col<Timestamp>('timestamp with time zone'),
  },
  events: {
    id: col<string>('bigint'),
    topic: col<string>('text'),
    /** The audience whose ids this event counts in (see migrations/…_event-streams.ts). */
    stream: col<string>('text'),
    seq: col<string>('bigint'),
    kind: col<string>('text'),
    data: col<ColumnType<Record<string, unknown>, string, string>>('jsonb'),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  event_streams: {
    stream: col<string>('text'),
    last_seq: col<string>('bigint'),
    trimmed_through: col<Generated<string>>('bigint'),
  },
  notifications: {
    /** Random, not from a sequence: see migrations/…_event-streams.ts. */
    id: col<string>('bigint'),
    user_id: col<string>('bigint'),
    kind: col<'reply' | 'moderation' | 'milestone'>('text'),
    data: col<ColumnType<Record<string, unknown>, string, string>>('jsonb'),
    created_at: col<Timestamp>('timestamp with time zone'),
    read_at: col<Date | string | null>('timestamp with time zone', true),
  },
  flags: {
    id: col<Id>('bigint'),
    post_id: col<string>('bigint'),
    reporter_id: col<string | null>('bigint', true),
    reason: col<FlagReason>('text'),
    note: col<string | null>('text', true),
    status: col<ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>>('text'),
    outcome: col<'actioned' | 'dismissed' | null>('text', true),
    created_at: col<Timestamp>('timestamp with time zone'),
    resolved_at: col<Date | string | null>('timestamp with time zone', true),
    resolved_by: col<string | null>('bigint', true),
  },
  mod_log: {
    id: col<Id>('bigint'),
    actor_id: col<string | null>('bigint', true),
    actor: col<string>('text'),
    action: col<string>('text'),
    post_id: col<string | null>('bigint', true),
    thread_id: col<string | null>('bigint', true),
    target: col<string | null>('text', true),
    reason: col<string | null>('text', true),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  suspensions: {
    id: col<Id>('bigint'),
    user_id: col<string | null>('bigint', true),
    post_id: col<string | null>('bigint', true),
    thread_id: col<string | null>('bigint', true),
    anonymous: col<boolean>('boolean'),
    subject: col<string | null>('text', true),
    reason: col<string>('text'),
    until: col<ColumnType<Date, Date | string, Date | string>>('timestamp with time zone'),
    created_at: col<Timestamp>('timestamp with time zone'),
    lifted_at: col<Date | string | null>('timestamp with time zone', true),
  },
  recovery_streaks: {
    id: col<Id>('bigint'),
    user_id: col<string>('bigint'),
    start_date: col<string>('date'),
    end_date: col<string>('date'),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  milestones_sent: {
    user_id: col<string>('bigint'),
    start_date: col<string>('date'),
    days: col<number>('integer'),
    sent_at: col<Timestamp>('timestamp with time zone'),
  },
  goals: {
    id: col<Id>('bigint'),
    user_id: col<string>('bigint'),
    title: col<string>('text'),
    created_at: col<Timestamp>('timestamp with time zone'),
    archived_at: col<Date | string | null>('timestamp with time zone', true),
  },
  goal_checks: {
    goal_id: col<string>('bigint'),
    day: col<string>('date'),
  },
  toolkit_items: {
    user_id: col<string>('bigint'),
    post_id: col<string>('bigint'),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
  community_resources: {
    id: col<Id>('bigint'),
    community_id: col<string>('bigint'),
    post_id: col<string>('bigint'),
    title: col<string>('text'),
    position: col<Generated<number>>('integer'),
    created_at: col<Timestamp>('timestamp with time zone'),
  },
} as const;

export type FlagReason = 'triggering' | 'harassment' | 'spam' | 'crisis' | 'other';

type Warnings = ColumnType<string[], string[] | undefined, string[]>;
/** Computed by the database (GENERATED ALWAYS); never written, rarely read. */
type GeneratedAlways = ColumnType<string | null, never, never>;

export type Role = 'member' | 'moderator' | 'admin';

/** What the preferences jsonb column holds. */
export interface StoredPreferences {
  contentWarnings?: Record<string, 'show' | 'collapse' | 'hide'>;
}

type Spec = typeof schema;
type TypeOf<C> = C extends ColumnSpec<infer T> ? T : never;
export type DB = {
  [Table in keyof Spec]: { [Column in keyof Spec[Table]]: TypeOf<Spec[Table][Column]> };
};
