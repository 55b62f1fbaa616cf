/**
 * Node to Web, inbound: a request's headers seen as a WHATWG `Headers`, made on demand.
 *
 * Building a `Headers` appends (and validates) every header the client sent, while the handler
 * usually asks for two or three by name. So the bridge hands out a lazy object whose prototype
 * chain includes `Headers.prototype` (`instanceof Headers` holds): `get` and `has` read Node's raw
 * header list directly, with the answers a `Headers` would give (names matched case-insensitively,
 * values trimmed of HTTP whitespace, repeated headers joined with `", "`), and anything else (a
 * name `Headers` would refuse, iteration, `append`, ...) is passed to a real `Headers` built from
 * the same list on first need, which from then on answers everything.
 *
 * @module
 */

const RAW = Symbol("raw");
const REAL = Symbol("real");

interface LazyHeaders {
  readonly [RAW]: readonly string[];
  [REAL]?: Headers;
}

/** A header name as `Headers` accepts it (an HTTP token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What `Headers` refuses in a value once its ends are stripped. */
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;

/**
 * The real `Headers` behind headers from `lazyHeaders`, built on first call (any other `Headers`
 * is returned as it is).
 */
export function realHeaders(headers: Headers): Headers {
  const lazy = headers as unknown as LazyHeaders;
  if (!(RAW in lazy)) return headers;
  if (lazy[REAL]) return lazy[REAL];
  const real = new Headers();
  const raw = lazy[RAW];
  for (let i = 0; i < raw.length; i += 2) real.append(raw[i], raw[i + 1]);
  return lazy[REAL] = real;
}

/**
 * A value without the HTTP whitespace (tab, LF, CR, space) at either end, which `Headers` strips.
 * A loop, not a pattern: `/[\t\n\r ]+$/` takes time quadratic in a run of inner whitespace.
 */
function trimHttpWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Whether a char code is HTTP whitespace. */
function isHttpWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The combined value of `name` in a raw header list, as `Headers.get` would give it. */
function rawGet(raw: readonly string[], name: string): string | null {
  const wanted = name.toLowerCase();
  const delimiter = wanted === "cookie" ? "; " : ", ";
  let value: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i];
    if (header.length !== wanted.length || header.toLowerCase() !== wanted) continue;
    const item = trimHttpWhitespace(raw[i + 1]);
    value = value === null ? item : value + delimiter + item;
  }
  return value;
}

/** Whether `Headers` would take every name and value of a raw header list. */
function acceptable(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    if (!TOKEN.test(raw[i])) return false;
    const value = raw[i + 1];
    if (
      FORBIDDEN_IN_VALUE.test(value) && FORBIDDEN_IN_VALUE.test(trimHttpWhitespace(value))
    ) {
      return false;
    }
  }
  return true;
}

const LAZY_PROTOTYPE: object = (() => {
  const proto = Object.create(Headers.prototype);
  const own: PropertyDescriptorMap = {
    get: {
      value(this: LazyHeaders, name: string): string | null {
        if (this[REAL] || typeof name !== "string" || !TOKEN.test(name)) {
          return realHeaders(this as unknown as Headers).get(name);
        }
        return rawGet(this[RAW], name);
      },
    },
    has: {
      value(this: LazyHeaders, name: string): boolean {
        if (this[REAL] || typeof name !== "string" || !TOKEN.test(name)) {
          return realHeaders(this as unknown as Headers).has(name);
        }
        return rawGet(this[RAW], name) !== null;
      },
    },
  };
  const keys: (string | symbol)[] = [
    ...Object.getOwnPropertyNames(Headers.prototype),
    ...Object.getOwnPropertySymbols(Headers.prototype),
  ];
  for (const key of keys) {
    if (key === "constructor" || key in own) continue;
    const descriptor = Object.getOwnPropertyDescriptor(Headers.prototype, key)!;
    if (typeof descriptor.value === "function") {
      own[key] = {
        value(this: LazyHeaders, ...args: unknown[]) {
          const real = realHeaders(this as unknown as Headers) as unknown as Record<
            string | symbol,
            (...a: unknown[]) => unknown
          >;
          return real[key](...args);
        },
      };
    } else if (descriptor.get) {
      own[key] = {
        get(this: LazyHeaders) {
          const real = realHeaders(this as unknown as Headers);
          return (real as unknown as Record<string | symbol, unknown>)[key];
        },
      };
    }
  }
  Object.defineProperties(proto, own);
  return proto;
})();

/**
 * The headers of a Node request as a `Headers`, from its raw list (`req.rawHeaders`).
 *
 * @throws {TypeError} as `Headers` would, for a name or value it refuses.
 */
export function lazyHeaders(raw: readonly string[]): Headers {
  const lazy = Object.create(LAZY_PROTOTYPE) as LazyHeaders & { [RAW]: readonly string[] };
  lazy[RAW] = raw;
  // Refused at once, as building a real `Headers` here would be.
  if (!acceptable(raw)) realHeaders(lazy as unknown as Headers);
  return lazy as unknown as Headers;
}
