/**
 * A small typed client for the academy API, built on the types that
 * openapi-typescript generates from openapi/openapi.json (see `npm run check`).
 * Every function resolves with the success body or throws an {@link ApiError}.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

/** An error answer of the API: an RFC 9457 problem document. */
export type Problem = Schemas["Problem"];
/** The tokens of a session. */
export type TokenPair = Schemas["TokenResponse"];
/** One page of guides. */
export type GuidePage = Schemas["Page_GuideSummary"];
/** One page of the catalogue: guides, tutorials and courses with facet counts. */
export type CataloguePage = Schemas["CataloguePage"];
/** One guide, tutorial or course of the catalogue. */
export type CatalogueItem = Schemas["CatalogueItem"];
/** One page of bookable consultation slots. */
export type SlotPage = Schemas["Page_SlotResponse"];
/** A booking as the caller may see it. */
export type Booking = Schemas["BookingResponse"];
/** One page of bookings. */
export type BookingPage = Schemas["Page_BookingResponse"];

type QueryOf<Path extends keyof paths> = paths[Path] extends {
  get: { parameters: { query?: infer Query } };
}
  ? NonNullable<Query>
  : never;

/** Filters of the guide list. */
export type GuideQuery = Pick<
  QueryOf<"/api/v1/guides">,
  "q" | "fieldOfAction" | "theme" | "phase" | "audience" | "sort" | "limit" | "offset"
>;

/** Search, filters and page of the catalogue. */
export type CatalogueQuery = QueryOf<"/api/v1/catalogue">;

/** Filters of the list of free consultation slots. */
export type SlotQuery = Pick<
  QueryOf<"/api/v1/consultation-slots">,
  "offer" | "fieldOfAction" | "format" | "from" | "to" | "limit" | "offset"
>;

/** Filters of the caller's bookings. */
export type BookingQuery = Pick<
  QueryOf<"/api/v1/consultation-bookings">,
  "status" | "from" | "to" | "limit" | "offset"
>;

/** Thrown when the API answers with an error status. */
export class ApiError extends Error {
  constructor(
    /** The HTTP status code. */
    readonly status: number,
    /** The problem document the API sent. */
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.code}: ${problem.detail}`);
    this.name = "ApiError";
  }
}

type Outcome<T> =
  | { data: T; error?: never; response: Response }
  | { data?: never; error: Problem; response: Response };

async function unwrap<T>(request: Promise<Outcome<T>>): Promise<T> {
  const outcome = await request;
  if (outcome.error !== undefined) {
    throw new ApiError(outcome.response.status, outcome.error);
  }
  return outcome.data;
}

function bearer(accessToken: string): { Authorization: string } {
  return { Authorization: `Bearer ${accessToken}` };
}

/** Options of {@link createAcademyClient}. */
export interface ClientOptions {
  /** Origin of the API, e.g. `https://academy.example.org`; empty for the page's own. */
  baseUrl?: string;
  /** A fetch implementation to use instead of the global one (e.g. in tests). */
  fetch?: (request: Request) => Promise<Response>;
}

/** Creates a client; all paths are relative to `baseUrl`. */
export function createAcademyClient(options: ClientOptions = {}) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? "",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  return {
    /** Lists the guides the caller may see (published ones for everyone). */
    listGuides(query: GuideQuery = {}, accessToken?: string): Promise<GuidePage> {
      return unwrap(
        client.GET("/api/v1/guides", {
          params: { query },
          ...(accessToken === undefined ? {} : { headers: bearer(accessToken) }),
        }),
      );
    },

    /**
     * Searches and filters the catalogue of published guides, tutorials and courses.
     * Pass a page's `next` as `cursor` for the page after it.
     */
    browseCatalogue(query: CatalogueQuery = {}): Promise<CataloguePage> {
      return unwrap(client.GET("/api/v1/catalogue", { params: { query } }));
    },

    /** Signs in with email address and password; resolves with the session's tokens. */
    signIn(email: string, password: string): Promise<TokenPair> {
      return unwrap(client.POST("/api/v1/auth/login", { body: { email, password } }));
    },

    /** Exchanges a refresh token for a new token pair; the old refresh token dies. */
    refreshSession(refreshToken: string): Promise<TokenPair> {
      return unwrap(client.POST("/api/v1/auth/refresh", { body: { refreshToken } }));
    },

    /** Lists future consultation slots that still have a free seat. */
    listFreeSlots(query: SlotQuery = {}): Promise<SlotPage> {
      return unwrap(
        client.GET("/api/v1/consultation-slots", {
          params: { query: { ...query, includeFull: false } },
        }),
      );
    },

    /**
     * Books a seat in a slot for the caller's municipality. Pass the same
     * `idempotencyKey` when retrying, so that a retry cannot book twice.
     */
    bookSlot(
      accessToken: string,
      slotId: string,
      concern: string,
      options: { answers?: Record<string, string>; idempotencyKey?: string } = {},
    ): Promise<Booking> {
      return unwrap(
        client.POST("/api/v1/consultation-slots/{id}/bookings", {
          params: {
            path: { id: slotId },
            header: { "Idempotency-Key": options.idempotencyKey ?? crypto.randomUUID() },
          },
          body: options.answers === undefined ? { concern } : { concern, answers: options.answers },
          headers: bearer(accessToken),
        }),
      );
    },

    /** Lists the caller's own bookings as participant. */
    listMyBookings(accessToken: string, query: BookingQuery = {}): Promise<BookingPage> {
      return unwrap(
        client.GET("/api/v1/consultation-bookings", {
          params: { query: { ...query, scope: "mine" } },
          headers: bearer(accessToken),
        }),
      );
    },
  };
}

/** The client returned by {@link createAcademyClient}. */
export type AcademyClient = ReturnType<typeof createAcademyClient>;
