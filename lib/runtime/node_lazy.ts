/**
 * Lazy stand-ins for WHATWG objects that cost more to build on Node than most handlers use of
 * them (`Request`, `Response`): a prototype that inherits from the real class's prototype
 * (`instanceof` holds), answers a few properties itself, and passes every other method and
 * getter of the real prototype to a real object built on first need.
 *
 * @module
 */

/**
 * A prototype for lazy stand-ins of `base`'s instances: `own` answers what it defines; every
 * other method and getter of `base` is called on `real(this)`, the real object behind the
 * stand-in (built by the caller on first need, then kept).
 */
export function lazyPrototype<T extends object>(
  base: T,
  own: PropertyDescriptorMap,
  real: (self: unknown) => T,
): T {
  const proto = Object.create(base);
  const all: PropertyDescriptorMap = { ...own };
  for (const key of Object.getOwnPropertyNames(base)) {
    if (key === "constructor" || key in all) continue;
    const descriptor = Object.getOwnPropertyDescriptor(base, key)!;
    if (typeof descriptor.value === "function") {
      all[key] = {
        value(this: unknown, ...args: unknown[]) {
          const target = real(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
          return target[key](...args);
        },
      };
    } else if (descriptor.get) {
      all[key] = {
        get(this: unknown) {
          return (real(this) as unknown as Record<string, unknown>)[key];
        },
      };
    }
  }
  Object.defineProperties(proto, all);
  return proto;
}
