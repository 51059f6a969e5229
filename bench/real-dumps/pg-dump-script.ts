// A script shaped like pg_dump's plain output: settings, schema (tables, a function, a
// sequence), COPY ... FROM stdin blocks of the sizes asked, then indexes and constraints.
// Data is deterministic (a counter, no randomness) so runs compare, and has what real dumps
// have: \N nulls, escaped tabs and backslashes, quotes, non-ASCII (UTF-8) text.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

const HEADER = `--
-- PostgreSQL database dump
--

-- Dumped from database version 15.8
-- Dumped by pg_dump version 15.8

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: touch_updated(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.touch_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now(); -- a quote ' and a backslash \\ in a body
    RETURN NEW;
END
$$;

SET default_tablespace = '';
SET default_table_access_method = heap;
`;

const table = (name: string) => `
--
-- Name: ${name}; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.${name} (
    id bigint NOT NULL,
    customer_id integer NOT NULL,
    title text NOT NULL,
    note text,
    amount numeric(12,2),
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE SEQUENCE public.${name}_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.${name}_id_seq OWNED BY public.${name}.id;
ALTER TABLE ONLY public.${name} ALTER COLUMN id SET DEFAULT nextval('public.${name}_id_seq'::regclass);
`;

const TITLES = ['Café crème', "O'Brien's order", 'Zürich – Genève', '東京 delivery', 'plain title'];
const NOTES = ['\\N', 'tab\\there', 'back\\\\slash', 'line\\nbreak', "it's fine", 'ok'];

/** One COPY row in pg_dump's text format (tab-separated, backslash escapes). */
function row(id: number): string {
  const title = `${TITLES[id % TITLES.length]} #${id}`;
  const note = NOTES[id % NOTES.length];
  const amount = id % 7 === 0 ? '\\N' : `${(id % 100_000) / 100}`;
  return `${id}\t${id % 9973}\t${title}\t${note}\t${amount}\t2026-12-07 10:${String(id % 60).padStart(2, '0')}:00+00\n`;
}

const indexes = (name: string) => `
--
-- Name: ${name} ${name}_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.${name}
    ADD CONSTRAINT ${name}_pkey PRIMARY KEY (id);

CREATE INDEX ${name}_customer_idx ON public.${name} USING btree (customer_id);

CREATE TRIGGER ${name}_touch BEFORE UPDATE ON public.${name} FOR EACH ROW EXECUTE FUNCTION public.touch_updated();
`;

export interface DumpScript {
  path: string;
  bytes: number;
  /** Bytes of COPY data (rows, between a COPY line and its `\.`). */
  copyBytes: number;
  rows: number;
}

/**
 * Writes a pg_dump-style script to `path` with one table per entry of `tableSizes` (COPY data
 * bytes each, approximately), streaming, so a 50 MB script costs no 50 MB string.
 */
export async function writeDumpScript(path: string, tableSizes: number[]): Promise<DumpScript> {
  const out = createWriteStream(path);
  let bytes = 0;
  let copyBytes = 0;
  let rows = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  const names = tableSizes.map((_, k) => `orders_${k + 1}`);
  await write(HEADER);
  for (const name of names) await write(table(name));
  for (const [k, size] of tableSizes.entries()) {
    const name = names[k] as string;
    await write(
      `\n--\n-- Data for Name: ${name}; Type: TABLE DATA; Schema: public; Owner: -\n--\n\nCOPY public.${name} (id, customer_id, title, note, amount, created_at) FROM stdin;\n`,
    );
    let block = '';
    for (let written = 0; written < size; ) {
      const r = row(++rows);
      block += r;
      written += Buffer.byteLength(r);
      if (block.length > 1 << 16) {
        copyBytes += Buffer.byteLength(block);
        await write(block);
        block = '';
      }
    }
    copyBytes += Buffer.byteLength(block);
    await write(`${block}\\.\n\n`);
    await write(`SELECT pg_catalog.setval('public.${name}_id_seq', ${rows}, true);\n`);
  }
  for (const name of names) await write(indexes(name));
  await write('\n--\n-- PostgreSQL database dump complete\n--\n\n');
  out.end();
  await once(out, 'finish');
  return { path, bytes, copyBytes, rows };
}

/**
 * The same rows as SQL text, as `pg_dump --inserts` writes them: an INSERT statement per row
 * with quoted literals (for the scan's SQL text speed).
 */
export function insertsScript(targetBytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let id = 1; size < targetBytes; id++) {
    const title = `${TITLES[id % TITLES.length]} #${id}`.replaceAll("'", "''");
    const note = id % 6 === 0 ? 'NULL' : `'${NOTES[id % NOTES.length]?.replaceAll("'", "''")}'`;
    const s = `INSERT INTO public.orders_1 VALUES (${id}, ${id % 9973}, '${title}', ${note}, ${(id % 100_000) / 100}, '2026-12-07 10:00:00+00');\n`;
    parts.push(s);
    size += s.length;
  }
  return parts.join('');
}
