import { type Database, users } from "@kyro/db";
import { hashPassword } from "@kyro/platform";

/**
 * A user whose address counts as verified, written straight to the database: sign-up no longer returns
 * a session (it mails a link), and the benchmarks measure the API, not the sign-up flow. The targets
 * then sign in through `auth.login` like any user.
 */
export async function seedVerifiedUser(db: Database, email: string, password: string): Promise<void> {
  await db.insert(users).values({
    email,
    name: "Bench",
    passwordHash: await hashPassword(password),
    emailVerifiedAt: new Date(),
  });
}
