-- Usage attribution (issue #13, docs/limits.md "Usage views"): requests and messages per member and API
-- key per UTC day in usage_daily_actors (flushed with usage_daily's batches), and the API key of each
-- model call on usage_events. Actor and key ids are not foreign keys: usage outlives the member or key.
CREATE TABLE "usage_daily_actors" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"day" date NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" uuid NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"messages" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_daily_actors_org_day_actor_key" UNIQUE("org_id","day","actor_kind","actor_id"),
	CONSTRAINT "usage_daily_actors_kind_check" CHECK ("usage_daily_actors"."actor_kind" in ('user', 'apiKey'))
);
--> statement-breakpoint
ALTER TABLE "usage_events" ADD COLUMN "api_key_id" uuid;--> statement-breakpoint
ALTER TABLE "usage_daily_actors" ADD CONSTRAINT "usage_daily_actors_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_daily_actors_org_kind_day_idx" ON "usage_daily_actors" USING btree ("org_id","actor_kind","day");