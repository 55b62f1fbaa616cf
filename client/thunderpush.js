/*
 * thunderpush.js: the browser client of Thunderpush, a drop-in replacement for the original
 * `client/thunderpush.js`. A page written for the original works unchanged:
 *
 *   <script src="//push.example.com/connect/sockjs.min.js"></script>
 *   <script src="//push.example.com/thunderpush.js"></script>
 *   <script>
 *     Thunder.connect("push.example.com", "publickey", ["news"], { log: true });
 *     Thunder.listen(function (message) { console.log(message); });
 *   </script>
 *
 * Needs the global `SockJS` (sockjs-client 0.3.x or 1.x). Plain ES5, no modules.
 *
 * Differences from the original (all compatible with pages written for it):
 * - without a `user` option a random user id is generated once per page (the original sent the
 *   literal "undefined", so every anonymous visitor shared one id);
 * - subscribe/unsubscribe on a socket that is not open call `error(Thunder, 'Socket not open')`
 *   and throw an Error named 'socket.status' (the original threw a TypeError by accident);
 * - a second `connect()` or `disconnect()` also stops the previous socket and any pending
 *   reconnect (the original kept the old socket, and its reconnects, alive);
 * - `disconnect()` calls the onSockClose callback once (the original recursed);
 * - the onSockOpen callback runs after CONNECT and SUBSCRIBE are sent, so it may subscribe
 *   (the original ran it first, and a subscribe there got the socket closed with 9001);
 * - listen handlers get the channel name as a second argument (undefined for user messages),
 *   and a throwing handler no longer stops the others;
 * - `server` may be a full URL ("https://push.example.com"); on an https page the default
 *   protocol is https; the options `transports` and `sockjs` are passed to SockJS;
 * - with history on the server (--history-size), it remembers each channel's last offset and
 *   epoch and, after a reconnect, asks for what it missed (RECOVER); when that cannot be had, the
 *   onNotRecovered callback gets the channel (docs/history.md).
 *
 * For servers started with --require-token, the option `token` is the user token (CONNECT
 * user:key:token), or a function returning one (or a promise of one), called before every
 * (re)connect. After 9004 (token expired) only a function gets a second chance; 9005 (invalid
 * token) is final. See docs/tokens.md.
 */
(function (root) {
  "use strict";

  // Close codes after which the server does not want the client back (see close_codes.ts).
  var FINAL_CLOSE_CODES = [9000, 9001, 9002, 9003, 9005];
  // The token was expired: worth a retry only with a fresh one.
  var TOKEN_EXPIRED = 9004;

  function isFunction(value) {
    return typeof value === "function";
  }

  function indexOf(list, item) {
    for (var i = 0; i < list.length; i++) {
      if (list[i] === item) return i;
    }
    return -1;
  }

  function thunderError(name, message) {
    var error = new Error(message);
    error.name = name;
    return error;
  }

  // 16 hex digits; crypto where the browser has it.
  function randomUserId() {
    var hex = "";
    var cryptoObj = root.crypto || root.msCrypto;
    if (cryptoObj && cryptoObj.getRandomValues) {
      var bytes = new Uint8Array(8);
      cryptoObj.getRandomValues(bytes);
      for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    } else {
      while (hex.length < 16) hex += Math.floor(Math.random() * 0x10000).toString(16);
      hex = hex.slice(0, 16);
    }
    return "anon-" + hex;
  }

  // Reports an exception without interrupting the caller (like an event listener would).
  function report(error) {
    setTimeout(function () {
      throw error;
    }, 0);
  }

  function Thunder() {
    this.channels = [];
    this.handlers = [];
    this.reconnect_delays = [1000, 2500, 5000, 10000, 30000, 60000];
    this.options = {
      log: false,
      retry: true,
      protocol: "http",
    };
    this.socket = null;
    this.server = null;
    this.user = undefined;
    this.apikey = undefined;
    this.reconnect_tries = 0;

    // The callbacks of onSockOpen & co. live where the original kept them.
    this.onopen = null;
    this.onerror = null;
    this.onclose = null;
    this.onmessage = null;

    this._reconnectTimer = null;
    this._generatedUser = null;
    // channel -> {epoch, offset} of the last push received (history on the server).
    this._positions = {};
    this.onnotrecovered = null;
    this._attempt = 0;
    this._expiredInRow = 0;
  }

  Thunder.prototype.onSockOpen = function (cb) {
    if (isFunction(cb)) this.onopen = cb;
  };

  Thunder.prototype.onSockError = function (cb) {
    if (isFunction(cb)) this.onerror = cb;
  };

  Thunder.prototype.onSockClose = function (cb) {
    if (isFunction(cb)) this.onclose = cb;
  };

  Thunder.prototype.onSockMessage = function (cb) {
    if (isFunction(cb)) this.onmessage = cb;
  };

  /**
   * `cb(channel, {epoch, offset})` runs when pushes a channel missed while disconnected could not
   * be recovered (history lost or too old): reload that channel's state.
   */
  Thunder.prototype.onNotRecovered = function (cb) {
    if (isFunction(cb)) this.onnotrecovered = cb;
  };

  // Remembers where a channel is, from a push or a recovered:false notice (history on).
  Thunder.prototype._track = function (data) {
    if (!data || typeof data !== "object" || typeof data.channel !== "string") return;
    if (typeof data.offset !== "number" || typeof data.epoch !== "string") return;
    if (data.epoch === "") delete this._positions[data.channel];
    else this._positions[data.channel] = { epoch: data.epoch, offset: data.offset };
  };

  // SUBSCRIBE for new channels, RECOVER for those with a position.
  Thunder.prototype._resubscribe = function (socket) {
    var fresh = [];
    for (var i = 0; i < this.channels.length; i++) {
      var channel = this.channels[i];
      var at = Object.prototype.hasOwnProperty.call(this._positions, channel) &&
        this._positions[channel];
      if (at) socket.send("RECOVER " + channel + " " + at.epoch + " " + at.offset);
      else fresh.push(channel);
    }
    if (fresh.length) socket.send("SUBSCRIBE " + fresh.join(":"));
  };

  /**
   * Connects to `server` ("host[:port]" or a URL) with the public key `apikey`, subscribes to
   * `channels` (an array, kept by reference and updated by subscribe/unsubscribe) and keeps the
   * connection up. `options` (log, user, retry, protocol, transports, sockjs) are merged into
   * Thunder.options and stay there for later calls.
   */
  Thunder.prototype.connect = function (server, apikey, channels, options) {
    var explicitProtocol = false;
    for (var key in options) {
      if (Object.prototype.hasOwnProperty.call(options, key)) {
        this.options[key] = options[key];
        if (key === "protocol") explicitProtocol = true;
      }
    }

    this._stop();
    this.apikey = apikey;
    if (typeof channels === "string") channels = [channels];
    this.channels = Object.prototype.toString.call(channels) === "[object Array]" ? channels : [];
    this.reconnect_tries = 0;
    this._positions = {};
    this.server = this._serverUrl(String(server), explicitProtocol);

    var user = this.options.user;
    if (user === undefined || user === null) {
      user = this._generatedUser || (this._generatedUser = randomUserId());
    }
    this.user = String(user);
    this.makeConnection();
  };

  Thunder.prototype._serverUrl = function (server, explicitProtocol) {
    server = server.replace(/\/+$/, "");
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) {
      return /\/connect$/.test(server) ? server : server + "/connect";
    }
    var protocol = String(this.options.protocol || "http").replace(/:?(\/\/)?$/, "");
    var page = root.location && root.location.protocol;
    if (!explicitProtocol && protocol === "http" && page === "https:") protocol = "https";
    return protocol + "://" + server + "/connect";
  };

  /** Closes the connection for good: no reconnect. Returns false when it was not open. */
  Thunder.prototype.disconnect = function () {
    var socket = this.socket;
    var wasOpen = socket && socket.readyState === SockJS.OPEN;
    this._stop();
    if (wasOpen) return undefined;
    return false;
  };

  // Cancels a pending reconnect (or token fetch) and closes the current socket for good.
  Thunder.prototype._stop = function () {
    this._attempt++;
    if (this._reconnectTimer !== null) {
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
    }
    var socket = this.socket;
    if (!socket) return;
    socket._thunderStopped = true;
    if (socket.readyState === SockJS.OPEN || socket.readyState === SockJS.CONNECTING) {
      try {
        socket.close();
      } catch (error) {
        this.log("Cannot close the socket:", error);
      }
    }
  };

  Thunder.prototype._isOpen = function () {
    return !!this.socket && this.socket.readyState === SockJS.OPEN;
  };

  Thunder.prototype._notOpen = function (error) {
    var state = this.socket ? this.socket.readyState : "no socket";
    if (isFunction(error)) error(this, "Socket not open");
    throw thunderError("socket.status", "Socket not OPEN: " + state);
  };

  /** Subscribes to one channel; the socket must be open. */
  Thunder.prototype.subscribe = function (channel, success, error) {
    if (typeof channel !== "string" || channel.length <= 0) {
      throw thunderError("channel.invalid", "Channel is not a string");
    }
    if (!this._isOpen()) return this._notOpen(error);

    if (indexOf(this.channels, channel) !== -1) {
      if (isFunction(success)) success(this, "Channel already subscribed");
      return true;
    }
    this.socket.send("SUBSCRIBE " + channel);
    this.channels.push(channel);
    if (isFunction(success)) success(this, "Channel subscribed");
    return true;
  };

  /** Unsubscribes from one channel; the socket must be open. */
  Thunder.prototype.unsubscribe = function (channel, success, error) {
    if (!this._isOpen()) return this._notOpen(error);

    this.socket.send("UNSUBSCRIBE " + channel);
    var pos = indexOf(this.channels, channel);
    if (pos !== -1) this.channels.splice(pos, 1);
    delete this._positions[channel];
    if (isFunction(success)) success(this, "Channel unsubscribed");
    return true;
  };

  /** Adds a handler; it gets every message's payload (parsed JSON) and its channel. */
  Thunder.prototype.listen = function (handler) {
    this.log("New handler has been registered.");
    this.handlers.push(handler);
  };

  // Opens a socket, once the token (when the option is a function) is known.
  Thunder.prototype.makeConnection = function () {
    var that = this;
    var attempt = ++this._attempt;
    this._reconnectTimer = null;
    var token = this.options.token;
    if (!isFunction(token)) return this._open(token);
    var opened = function (value) {
      if (attempt === that._attempt) that._open(value);
    };
    var failed = function (error) {
      if (attempt !== that._attempt) return;
      that.log("Cannot get a token:", error);
      that._retry();
    };
    try {
      var value = token();
      if (value && isFunction(value.then)) value.then(opened, failed);
      else opened(value);
    } catch (error) {
      failed(error);
    }
  };

  Thunder.prototype._open = function (token) {
    var that = this;
    var connect = "CONNECT " + this.user + ":" + this.apikey;
    if (token !== undefined && token !== null && token !== "") connect += ":" + token;

    var sockjsOptions = { debug: !!this.options.log };
    var extra = this.options.sockjs;
    for (var key in extra) {
      if (Object.prototype.hasOwnProperty.call(extra, key)) sockjsOptions[key] = extra[key];
    }
    if (this.options.transports) sockjsOptions.transports = this.options.transports;

    var socket = new SockJS(this.server, undefined, sockjsOptions);
    this.socket = socket;

    socket.onopen = function (e) {
      that.log("Connection has been established.");
      that.reconnect_tries = 0;
      // CONNECT goes first, so that an onSockOpen callback may already subscribe.
      socket.send(connect);
      that._resubscribe(socket);
      if (that.onopen) that.onopen.call(that, e);
    };

    socket.onmessage = function (e) {
      that.log("Message has been received", e.data);
      that._expiredInRow = 0;
      if (that.onmessage) that.onmessage.call(that, e);

      var channel = e.data && typeof e.data === "object" ? e.data.channel : undefined;
      that._track(e.data);
      if (channel !== undefined && e.data.recovered === false) {
        if (that.onnotrecovered) {
          try {
            that.onnotrecovered.call(that, channel, { epoch: e.data.epoch, offset: e.data.offset });
          } catch (error) {
            report(error);
          }
        }
        return;
      }
      try {
        e.data = JSON.parse(e.data.payload);
      } catch (_notJson) {
        // Not a push with a JSON payload: handlers get the data as it came.
      }
      var handlers = that.handlers.slice();
      for (var i = 0; i < handlers.length; i++) {
        try {
          handlers[i](e.data, channel);
        } catch (error) {
          report(error);
        }
      }
    };

    socket.onerror = function (e) {
      if (that.onerror) that.onerror.call(that, e);
    };

    socket.onclose = function (e) {
      that.log("Connection has been lost.");
      if (that.onclose) that.onclose.call(that, e);

      if (socket._thunderStopped || that.socket !== socket) {
        that.log("Reconnect suppressed: disconnected on purpose");
        return;
      }
      if (that.options.retry === false) {
        that.log("Reconnect suppressed because of retry option false");
        return;
      }
      var stale = e.code === TOKEN_EXPIRED && !isFunction(that.options.token);
      if (indexOf(FINAL_CLOSE_CODES, e.code) !== -1 || stale) {
        that.log("Reconnect suppressed because of:", e.code, e.reason);
        return;
      }
      if (e.code === TOKEN_EXPIRED) {
        // Reconnecting resets the tries, but tokens that keep coming expired get slower retries.
        that.reconnect_tries = Math.max(that.reconnect_tries, that._expiredInRow++);
      } else {
        that._expiredInRow = 0;
      }
      that._retry();
    };
  };

  // Schedules the next attempt after the delay of `reconnect_delays` for this try.
  Thunder.prototype._retry = function () {
    var that = this;
    var delays = this.reconnect_delays;
    var delay = delays[this.reconnect_tries] || delays[delays.length - 1];
    this.log("Reconnecting in", delay, "ms...");
    this.reconnect_tries++;
    this._reconnectTimer = setTimeout(function () {
      that.makeConnection();
    }, delay);
  };

  Thunder.prototype.log = function () {
    if (!this.options.log) return;
    var console = root.console;
    if (!console || !console.log) return;
    // Function.prototype.apply.call works where console.log has no apply (old IE).
    Function.prototype.apply.call(console.log, console, Array.prototype.slice.call(arguments));
  };

  root.Thunder = new Thunder();
})(typeof window !== "undefined" ? window : this);
