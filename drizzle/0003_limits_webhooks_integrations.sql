CREATE TABLE "inbound_endpoints" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"profile" text NOT NULL,
	"secret_ciphertext" text NOT NULL,
	"secret_last4" text NOT NULL,
	"tolerance_seconds" integer DEFAULT 300 NOT NULL,
	"hmac_header" text,
	"hmac_encoding" text,
	"delivery_id_header" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbound_endpoints_profile_check" CHECK ("inbound_endpoints"."profile" in ('standard-webhooks', 'github', 'stripe', 'chatwoot', 'hmac'))
);
--> statement-breakpoint
CREATE TABLE "inbound_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"delivery_id" text NOT NULL,
	"event_type" text,
	"headers" jsonb NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"error" text,
	CONSTRAINT "inbound_events_status_check" CHECK ("inbound_events"."status" in ('received', 'processed', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"base_url" text NOT NULL,
	"auth_type" text NOT NULL,
	"auth_header_name" text,
	"auth_username" text,
	"secret_ciphertext" text,
	"secret_last4" text,
	"health" text DEFAULT 'unknown' NOT NULL,
	"last_test_at" timestamp with time zone,
	"last_test_status" integer,
	"last_test_latency_ms" integer,
	"last_test_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integrations_auth_type_check" CHECK ("integrations"."auth_type" in ('none', 'apiKey', 'bearer', 'basic')),
	CONSTRAINT "integrations_health_check" CHECK ("integrations"."health" in ('unknown', 'healthy', 'failing'))
);
--> statement-breakpoint
CREATE TABLE "bot_limits" (
	"bot_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"bot_requests_per_minute" integer,
	"bot_messages_per_day" integer,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bot_limits_positive_check" CHECK (coalesce("bot_limits"."bot_requests_per_minute", 1) > 0 and coalesce("bot_limits"."bot_messages_per_day", 1) > 0)
);
--> statement-breakpoint
CREATE TABLE "org_limits" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"key_requests_per_minute" integer,
	"user_requests_per_minute" integer,
	"org_requests_per_minute" integer,
	"requests_per_day" integer,
	"messages_per_day" integer,
	"bot_requests_per_minute" integer,
	"bot_messages_per_day" integer,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "org_limits_positive_check" CHECK (coalesce("org_limits"."key_requests_per_minute", 1) > 0 and coalesce("org_limits"."user_requests_per_minute", 1) > 0
        and coalesce("org_limits"."org_requests_per_minute", 1) > 0 and coalesce("org_limits"."requests_per_day", 1) > 0
        and coalesce("org_limits"."messages_per_day", 1) > 0 and coalesce("org_limits"."bot_requests_per_minute", 1) > 0
        and coalesce("org_limits"."bot_messages_per_day", 1) > 0)
);
--> statement-breakpoint
CREATE TABLE "quota_alerts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"bot_id" uuid,
	"quota" text NOT NULL,
	"day" date NOT NULL,
	"threshold" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "quota_alerts_once_key" UNIQUE NULLS NOT DISTINCT("org_id","bot_id","quota","day","threshold"),
	CONSTRAINT "quota_alerts_quota_check" CHECK ("quota_alerts"."quota" in ('requestsPerDay', 'messagesPerDay', 'botMessagesPerDay'))
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"bot_id" uuid,
	"day" date NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"messages" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_daily_org_bot_day_key" UNIQUE NULLS NOT DISTINCT("org_id","bot_id","day")
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"trigger" text NOT NULL,
	"succeeded" boolean NOT NULL,
	"response_status" integer,
	"response_body" text,
	"response_truncated" boolean DEFAULT false NOT NULL,
	"duration_ms" integer NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"url" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"event_types" text[],
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rate_limit_per_second" integer,
	"secret" text NOT NULL,
	"previous_secret" text,
	"previous_secret_expires_at" timestamp with time zone,
	"failing_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"claimed_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inbound_endpoints" ADD CONSTRAINT "inbound_endpoints_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD CONSTRAINT "inbound_events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD CONSTRAINT "inbound_events_endpoint_id_inbound_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."inbound_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bot_limits" ADD CONSTRAINT "bot_limits_bot_id_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bot_limits" ADD CONSTRAINT "bot_limits_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bot_limits" ADD CONSTRAINT "bot_limits_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_limits" ADD CONSTRAINT "org_limits_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_limits" ADD CONSTRAINT "org_limits_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quota_alerts" ADD CONSTRAINT "quota_alerts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_message_id_webhook_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."webhook_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_messages" ADD CONSTRAINT "webhook_messages_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_messages" ADD CONSTRAINT "webhook_messages_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_messages" ADD CONSTRAINT "webhook_messages_event_id_domain_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."domain_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_endpoints_slug_key" ON "inbound_endpoints" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "inbound_endpoints_org_idx" ON "inbound_endpoints" USING btree ("org_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_events_delivery_key" ON "inbound_events" USING btree ("endpoint_id","delivery_id");--> statement-breakpoint
CREATE INDEX "inbound_events_org_endpoint_idx" ON "inbound_events" USING btree ("org_id","endpoint_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "integrations_org_name_key" ON "integrations" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "bot_limits_org_idx" ON "bot_limits" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "usage_daily_org_day_idx" ON "usage_daily" USING btree ("org_id","day");--> statement-breakpoint
CREATE INDEX "webhook_attempts_message_idx" ON "webhook_attempts" USING btree ("message_id","id");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_org_idx" ON "webhook_endpoints" USING btree ("org_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_messages_endpoint_event_idx" ON "webhook_messages" USING btree ("endpoint_id","event_id");--> statement-breakpoint
CREATE INDEX "webhook_messages_endpoint_idx" ON "webhook_messages" USING btree ("org_id","endpoint_id","id");--> statement-breakpoint
CREATE INDEX "webhook_messages_failed_idx" ON "webhook_messages" USING btree ("endpoint_id","created_at") WHERE "webhook_messages"."status" = 'failed';