CREATE TABLE "export_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"format" text NOT NULL,
	"pii" text DEFAULT 'include' NOT NULL,
	"bot_id" uuid,
	"range_from" timestamp with time zone,
	"range_to" timestamp with time zone,
	"status" text DEFAULT 'queued' NOT NULL,
	"rows_total" integer,
	"rows_written" integer DEFAULT 0 NOT NULL,
	"bytes" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"storage_key" text,
	"error" text,
	"requested_by_id" uuid,
	"requested_by_label" text,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "export_jobs_status_check" CHECK ("export_jobs"."status" in ('queued', 'running', 'completed', 'failed', 'expired')),
	CONSTRAINT "export_jobs_format_check" CHECK ("export_jobs"."format" in ('csv', 'json', 'ndjson')),
	CONSTRAINT "export_jobs_pii_check" CHECK ("export_jobs"."pii" in ('include', 'hash', 'omit'))
);
--> statement-breakpoint
ALTER TABLE "export_jobs" ADD CONSTRAINT "export_jobs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "export_jobs_org_idx" ON "export_jobs" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "export_jobs_expiry_idx" ON "export_jobs" USING btree ("expires_at") WHERE "export_jobs"."status" = 'completed';--> statement-breakpoint
CREATE INDEX "usage_events_org_id_idx" ON "usage_events" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "messages_org_id_idx" ON "messages" USING btree ("org_id","id");