/**
 * The Atom documents of the HTTP API as JSON (`application/vnd.eventstore.atom+json`): stream and
 * `$all` feeds with their paging links, and entries at the server's embed levels. Shapes, link
 * arithmetic and field names follow the real server's `Convert` and `RichEntryElement`.
 *
 * @module
 */

import type { ResolvedRecord, StoredEvent } from "../storage.ts";

/** `?embed=`: how much of each event an entry carries. */
export type EmbedLevel = "none" | "content" | "rich" | "body" | "pretty" | "tryharder";

const LEVELS: readonly EmbedLevel[] = ["none", "content", "rich", "body", "pretty", "tryharder"];

/** Parses `?embed=` (case-insensitive); anything unknown is `none`, as on the server. */
export function parseEmbed(value: string | null): EmbedLevel {
  const lower = (value ?? "").toLowerCase() as EmbedLevel;
  return LEVELS.includes(lower) ? lower : "none";
}

function atLeast(level: EmbedLevel, min: EmbedLevel): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(min);
}

/** A link of a feed or entry. */
export interface AtomLink {
  /** Absolute URL. */
  readonly uri: string;
  /** `self`, `first`, `last`, `next`, `previous`, `metadata`, `edit`, `alternate`. */
  readonly relation: string;
}

/** The `updated` of an empty feed (.NET `DateTime.MinValue`). */
const MIN_DATE = "0001-01-01T00:00:00Z";
const AUTHOR = { name: "EventStore" };
const utf8 = new TextDecoder();

/** `encodeURIComponent` as .NET's `Uri.EscapeDataString` (which also escapes `!'()*`). */
export function escapeStream(stream: string): string {
  return encodeURIComponent(stream).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function pretty(text: string): string {
  try {
    const value = JSON.parse(text);
    // FormatJson loads a JObject: only objects are re-indented.
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? JSON.stringify(value, null, 2)
      : text;
  } catch {
    return text;
  }
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Splits link data `"N@stream"`; null when malformed. */
function linkTarget(data: Uint8Array): { stream: string; number: string } | null {
  const text = utf8.decode(data);
  const at = text.indexOf("@");
  if (at < 0 || !/^\d+$/.test(text.slice(0, at).trim())) return null;
  return { number: text.slice(0, at).trim(), stream: text.slice(at + 1) };
}

/** `{eventStreamId, eventNumber, eventType, eventId, data, metadata}` (`ReadEventCompletedText`). */
export function eventContent(event: StoredEvent): Record<string, unknown> {
  const dataText = utf8.decode(event.data);
  const metaText = utf8.decode(event.metadata);
  return {
    eventStreamId: event.stream,
    eventNumber: Number(event.eventNumber),
    eventType: event.eventType,
    eventId: event.eventId,
    data: event.isJson ? parseJsonOrNull(dataText) ?? dataText : dataText,
    metadata: event.isJson ? parseJsonOrNull(metaText) ?? metaText : metaText,
  };
}

/** One Atom entry for a record (resolved link or plain event) at `embed`. */
export function toEntry(
  record: ResolvedRecord,
  base: string,
  embed: EmbedLevel,
  singleEntry = false,
): Record<string, unknown> {
  const { event, link } = record;
  const entry: Record<string, unknown> = {};
  if (atLeast(embed, "rich") && event !== undefined) {
    const original = link ?? event;
    entry.eventId = event.eventId;
    entry.eventType = event.eventType;
    entry.eventNumber = Number(event.eventNumber);
    let isJson = event.isJson;
    if (atLeast(embed, "body")) {
      const dataText = utf8.decode(event.data);
      if (event.isJson) {
        entry.data = atLeast(embed, "pretty") ? pretty(dataText) : dataText;
      } else if (embed === "tryharder" && parseJsonOrNull(dataText) !== null) {
        entry.data = pretty(dataText);
        isJson = true;
      }
      const metaText = utf8.decode(event.metadata);
      if (metaText !== "") entry.metaData = atLeast(embed, "pretty") ? pretty(metaText) : metaText;
      if (link !== undefined) {
        const linkMeta = utf8.decode(link.metadata);
        entry.linkMetaData = atLeast(embed, "pretty") ? pretty(linkMeta) : linkMeta;
      }
    }
    entry.streamId = event.stream;
    entry.isJson = isJson;
    entry.isMetaData = event.metadata.length > 0;
    entry.isLinkMetaData = link !== undefined && link.metadata.length > 0;
    entry.positionEventNumber = Number(original.eventNumber);
    entry.positionStreamId = original.stream;
  }
  let stream: string;
  let number: string;
  let updated: number;
  let summary: string;
  if (event !== undefined && link === undefined) {
    stream = event.stream;
    number = String(event.eventNumber);
    updated = event.createdEpochMs;
    summary = event.eventType;
  } else {
    const target = linkTarget(link!.data);
    stream = target?.stream ?? link!.stream;
    number = target?.number ?? String(link!.eventNumber);
    updated = link!.createdEpochMs;
    summary = "$>";
  }
  const uri = `${base}/streams/${escapeStream(stream)}/${number}`;
  entry.title = `${number}@${stream}`;
  entry.id = uri;
  entry.updated = iso(updated);
  entry.author = AUTHOR;
  entry.summary = summary;
  if (
    event !== undefined && link === undefined && event.isJson &&
    (singleEntry || embed === "content")
  ) {
    entry.content = eventContent(event);
  }
  entry.links = [{ uri, relation: "edit" }, { uri, relation: "alternate" }];
  return entry;
}

/** What a stream feed is built from (one page of a stream read). */
export interface StreamPage {
  /** The stream id. */
  readonly stream: string;
  /** The number the read started from (resolved: the last number for a head read). */
  readonly fromEventNumber: bigint;
  /** The page size asked for. */
  readonly maxCount: number;
  /** The stream's last event number. */
  readonly lastEventNumber: bigint;
  /** Whether the read reached the end (forward) or the start (backward). */
  readonly isEndOfStream: boolean;
  /** The records, in read order. */
  readonly records: readonly ResolvedRecord[];
}

function feedHead(
  title: string,
  self: string,
  records: readonly ResolvedRecord[],
  newestFirst: boolean,
): Record<string, unknown> {
  const newest = newestFirst ? records[0] : records[records.length - 1];
  const time = newest ? (newest.link ?? newest.event)?.createdEpochMs : undefined;
  return { title, id: self, updated: time === undefined ? MIN_DATE : iso(time) };
}

/** A backward stream feed (head or paged), newest entry first. */
export function backwardStreamFeed(
  page: StreamPage,
  base: string,
  embed: EmbedLevel,
  headOfStream: boolean,
  eTag: string,
): Record<string, unknown> {
  const s = escapeStream(page.stream);
  const self = `${base}/streams/${s}`;
  const links: AtomLink[] = [
    { uri: self, relation: "self" },
    { uri: `${self}/head/backward/${page.maxCount}`, relation: "first" },
  ];
  if (!page.isEndOfStream) {
    const next = page.fromEventNumber - BigInt(page.maxCount);
    links.push({ uri: `${self}/0/forward/${page.maxCount}`, relation: "last" });
    links.push({ uri: `${self}/${next}/backward/${page.maxCount}`, relation: "next" });
  }
  const from = page.fromEventNumber < page.lastEventNumber
    ? page.fromEventNumber
    : page.lastEventNumber;
  links.push({ uri: `${self}/${from + 1n}/forward/${page.maxCount}`, relation: "previous" });
  links.push({ uri: `${self}/metadata`, relation: "metadata" });
  return {
    ...feedHead(`Event stream '${page.stream}'`, self, page.records, true),
    streamId: page.stream,
    author: AUTHOR,
    headOfStream,
    selfUrl: self,
    ...(headOfStream ? { eTag } : {}),
    links,
    entries: page.records.map((r) => toEntry(r, base, embed)),
  };
}

/** A forward stream feed; entries newest first like every feed. */
export function forwardStreamFeed(
  page: StreamPage,
  base: string,
  embed: EmbedLevel,
): Record<string, unknown> {
  const s = escapeStream(page.stream);
  const self = `${base}/streams/${s}`;
  const lastOfPage = page.fromEventNumber + BigInt(page.maxCount) - 1n;
  const previous = (lastOfPage < page.lastEventNumber ? lastOfPage : page.lastEventNumber) + 1n;
  const next = page.fromEventNumber - 1n;
  const links: AtomLink[] = [
    { uri: self, relation: "self" },
    { uri: `${self}/head/backward/${page.maxCount}`, relation: "first" },
  ];
  if (next >= 0n) {
    links.push({ uri: `${self}/0/forward/${page.maxCount}`, relation: "last" });
    links.push({ uri: `${self}/${next}/backward/${page.maxCount}`, relation: "next" });
  }
  if (!page.isEndOfStream || page.records.length > 0) {
    links.push({ uri: `${self}/${previous}/forward/${page.maxCount}`, relation: "previous" });
  }
  if (!page.stream.startsWith("$$")) {
    links.push({ uri: `${self}/metadata`, relation: "metadata" });
  }
  const newestFirst = [...page.records].reverse();
  return {
    ...feedHead(`Event stream '${page.stream}'`, self, newestFirst, true),
    streamId: page.stream,
    author: AUTHOR,
    headOfStream: page.isEndOfStream,
    links,
    entries: newestFirst.map((r) => toEntry(r, base, embed)),
  };
}

/** A `$all` position as the URL writes it: commit and prepare, 16 hex digits each. */
export function formatPosition(commit: number, prepare: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(16, "0");
  return hex(commit) + hex(prepare);
}

/** Parses a URL position (32 hex digits); null when malformed. */
export function parsePosition(text: string): { commit: number; prepare: number } | null {
  if (!/^[0-9a-fA-F]{32}$/.test(text)) return null;
  const commit = Number.parseInt(text.slice(0, 16), 16);
  const prepare = Number.parseInt(text.slice(16), 16);
  if (!Number.isSafeInteger(commit) || !Number.isSafeInteger(prepare)) return null;
  return { commit, prepare };
}

/** What an `$all` feed is built from. */
export interface AllPage {
  /** The position read from. */
  readonly from: { commit: number; prepare: number };
  /** Where the next page (further in the read's direction) starts. */
  readonly next: { commit: number; prepare: number };
  /** The page size asked for. */
  readonly maxCount: number;
  /** Whether the read reached the end of the log in its direction. */
  readonly isEndOfStream: boolean;
  /** Records in read order. */
  readonly records: readonly ResolvedRecord[];
}

/** An `$all` feed, backward (head or paged) or forward; entries newest first. */
export function allFeed(
  page: AllPage,
  base: string,
  embed: EmbedLevel,
  direction: "forward" | "backward",
): Record<string, unknown> {
  const self = `${base}/streams/%24all`;
  const pos = (p: { commit: number; prepare: number }) => formatPosition(p.commit, p.prepare);
  const links: AtomLink[] = [
    { uri: self, relation: "self" },
    { uri: `${self}/head/backward/${page.maxCount}`, relation: "first" },
  ];
  const records = direction === "forward" ? [...page.records].reverse() : page.records;
  if (direction === "backward") {
    if (!page.isEndOfStream) {
      links.push({
        uri: `${self}/${pos({ commit: 0, prepare: 0 })}/forward/${page.maxCount}`,
        relation: "last",
      });
      links.push({ uri: `${self}/${pos(page.next)}/backward/${page.maxCount}`, relation: "next" });
    }
    links.push({ uri: `${self}/${pos(page.from)}/forward/${page.maxCount}`, relation: "previous" });
  } else {
    if (page.from.commit !== 0) {
      links.push({
        uri: `${self}/${pos({ commit: 0, prepare: 0 })}/forward/${page.maxCount}`,
        relation: "last",
      });
      links.push({ uri: `${self}/${pos(page.from)}/backward/${page.maxCount}`, relation: "next" });
    }
    if (!page.isEndOfStream || page.records.length > 0) {
      links.push({
        uri: `${self}/${pos(page.next)}/forward/${page.maxCount}`,
        relation: "previous",
      });
    }
  }
  links.push({ uri: `${self}/metadata`, relation: "metadata" });
  return {
    ...feedHead("All events", self, records, true),
    author: AUTHOR,
    links,
    entries: records.map((r) => toEntry(r, base, embed)),
  };
}
