package dev.unmasked.adapters;

import dev.unmasked.UserError;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle reader for {@code torch.save} files that can build nothing but dicts, lists, tuples,
 * strings, numbers and float32 tensors. It runs the binary pickle opcodes of protocols 2-4 on a
 * stack of Java values and allows exactly three Python globals: {@code collections.OrderedDict},
 * {@code torch.FloatStorage} and {@code torch._utils._rebuild_tensor_v2}. Any other global is
 * refused when the pickle names it, before anything is called, so a hostile file cannot run code.
 *
 * <p>Values: {@code str} -> String, {@code int} -> Long, {@code float} -> Double, {@code bool} ->
 * Boolean, {@code None} -> null, {@code dict}/{@code OrderedDict} -> LinkedHashMap, {@code list} ->
 * ArrayList, {@code tuple} -> {@link Tuple}, tensors -> {@link Tensor}.
 */
final class RestrictedUnpickler {

  /** A Python tuple (kept apart from lists so the storage persistent id can be checked). */
  record Tuple(List<Object> items) {}

  /** A float32 tensor in C order. */
  record Tensor(long[] shape, float[] data) {}

  /** Reads the raw little-endian float32 data of storage {@code key}, {@code numel} elements. */
  @FunctionalInterface
  interface StorageLoader {
    float[] load(String key, long numel);
  }

  private enum Global {
    ORDERED_DICT("collections", "OrderedDict"),
    FLOAT_STORAGE("torch", "FloatStorage"),
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2");

    final String module;
    final String name;

    Global(String module, String name) {
      this.module = module;
      this.name = name;
    }

    String dotted() {
      return module + "." + name;
    }
  }

  /** A storage after its persistent id was resolved. */
  private record Storage(float[] data) {}

  private static final Object MARK = new Object();

  private final ByteBuffer in;
  private final String file;
  private final StorageLoader storages;
  private final List<Object> stack = new ArrayList<>();
  private final Deque<Integer> marks = new ArrayDeque<>();
  private final Map<Long, Object> memo = new HashMap<>();

  private RestrictedUnpickler(byte[] pickle, String file, StorageLoader storages) {
    this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    this.file = file;
    this.storages = storages;
  }

  /** Unpickles {@code pickle}; {@code file} names the source in error messages. */
  static Object load(byte[] pickle, String file, StorageLoader storages) {
    try {
      return new RestrictedUnpickler(pickle, file, storages).run();
    } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
      throw new UserError(file + ": the pickle ends early or is corrupt (" + e + ")", e);
    }
  }

  private Object run() {
    while (true) {
      int pos = in.position();
      int op = in.get() & 0xff;
      switch (op) {
        case 0x80 -> { // PROTO
          int proto = in.get() & 0xff;
          if (proto > 5) {
            throw error(pos, "pickle protocol " + proto + " is not supported (2-5 are)");
          }
        }
        case 0x95 -> in.getLong(); // FRAME: a length hint only
        case '.' -> { // STOP
          if (stack.size() != 1) {
            throw error(pos, "pickle stops with " + stack.size() + " values on the stack");
          }
          return stack.get(0);
        }
        case '}' -> stack.add(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
        case ']' -> stack.add(new ArrayList<Object>()); // EMPTY_LIST
        case ')' -> stack.add(new Tuple(List.of())); // EMPTY_TUPLE
        case '(' -> { // MARK
          marks.push(stack.size());
          stack.add(MARK);
        }
        case 't' -> stack.add(new Tuple(popToMark(pos))); // TUPLE
        case 0x85 -> stack.add(tupleOf(1)); // TUPLE1
        case 0x86 -> stack.add(tupleOf(2)); // TUPLE2
        case 0x87 -> stack.add(tupleOf(3)); // TUPLE3
        case 'q' -> memo.put((long) (in.get() & 0xff), peek(pos)); // BINPUT
        case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek(pos)); // LONG_BINPUT
        case 0x94 -> memo.put((long) memo.size(), peek(pos)); // MEMOIZE
        case 'h' -> stack.add(memoGet(pos, in.get() & 0xff)); // BINGET
        case 'j' -> stack.add(memoGet(pos, in.getInt() & 0xffffffffL)); // LONG_BINGET
        case 'X' -> stack.add(utf8(pos, in.getInt() & 0xffffffffL)); // BINUNICODE
        case 0x8c -> stack.add(utf8(pos, in.get() & 0xff)); // SHORT_BINUNICODE
        case 0x8d -> stack.add(utf8(pos, in.getLong())); // BINUNICODE8
        case 'K' -> stack.add((long) (in.get() & 0xff)); // BININT1
        case 'M' -> stack.add((long) (in.getShort() & 0xffff)); // BININT2
        case 'J' -> stack.add((long) in.getInt()); // BININT
        case 0x8a -> stack.add(long1(pos)); // LONG1
        case 'G' -> stack.add(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT, big-endian
        case 'N' -> stack.add(null); // NONE
        case 0x88 -> stack.add(Boolean.TRUE); // NEWTRUE
        case 0x89 -> stack.add(Boolean.FALSE); // NEWFALSE
        case 's' -> { // SETITEM
          Object v = pop(pos);
          Object k = pop(pos);
          dict(pos, peek(pos)).put(k, v);
        }
        case 'u' -> { // SETITEMS
          List<Object> kv = popToMark(pos);
          Map<Object, Object> d = dict(pos, peek(pos));
          for (int i = 0; i + 1 < kv.size(); i += 2) {
            d.put(kv.get(i), kv.get(i + 1));
          }
        }
        case 'a' -> { // APPEND
          Object v = pop(pos);
          list(pos, peek(pos)).add(v);
        }
        case 'e' -> { // APPENDS
          List<Object> items = popToMark(pos);
          list(pos, peek(pos)).addAll(items);
        }
        case 'c' -> stack.add(global(pos, line(pos), line(pos))); // GLOBAL
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop(pos);
          Object module = pop(pos);
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw error(pos, "STACK_GLOBAL needs two strings");
          }
          stack.add(global(pos, m, n));
        }
        case 'Q' -> stack.add(persistent(pos, pop(pos))); // BINPERSID
        case 'R' -> { // REDUCE
          Object args = pop(pos);
          Object callable = pop(pos);
          stack.add(call(pos, callable, args));
        }
        default -> throw error(pos, String.format(
            "pickle opcode 0x%02x is not supported by this restricted reader", op));
      }
    }
  }

  private Object global(int pos, String module, String name) {
    for (Global g : Global.values()) {
      if (g.module.equals(module) && g.name.equals(name)) {
        return g;
      }
    }
    throw new UserError(file + ": the pickle refers to the Python global '" + module + "." + name
        + "', which this restricted reader refuses (it allows only collections.OrderedDict, "
        + "torch.FloatStorage and torch._utils._rebuild_tensor_v2). The file holds more than a "
        + "plain float32 embedding, or may be unsafe; convert it to .safetensors with PyTorch if "
        + "you trust it");
  }

  /** torch's persistent id for a storage: ('storage', storage type, key, location, numel). */
  private Object persistent(int pos, Object pid) {
    if (!(pid instanceof Tuple t) || t.items().size() != 5 || !"storage".equals(t.items().get(0))) {
      throw error(pos, "unexpected persistent id " + describe(pid)
          + "; expected ('storage', torch.FloatStorage, key, location, numel)");
    }
    List<Object> f = t.items();
    if (f.get(1) != Global.FLOAT_STORAGE) {
      throw error(pos, "storage of type " + describe(f.get(1)) + "; only torch.FloatStorage "
          + "(float32) is supported");
    }
    if (!(f.get(2) instanceof String key) || !(f.get(4) instanceof Long numel) || numel < 0) {
      throw error(pos, "malformed storage persistent id " + describe(pid));
    }
    return new Storage(storages.load(key, numel));
  }

  private Object call(int pos, Object callable, Object args) {
    if (!(args instanceof Tuple t)) {
      throw error(pos, "REDUCE arguments are not a tuple");
    }
    if (callable == Global.ORDERED_DICT) {
      if (!t.items().isEmpty()) {
        throw error(pos, "collections.OrderedDict called with arguments; expected none");
      }
      return new LinkedHashMap<Object, Object>();
    }
    if (callable == Global.REBUILD_TENSOR_V2) {
      return rebuildTensor(pos, t.items());
    }
    throw error(pos, "cannot call " + describe(callable));
  }

  /** _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]). */
  private Tensor rebuildTensor(int pos, List<Object> a) {
    if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage storage)
        || !(a.get(1) instanceof Long offset) || !(a.get(2) instanceof Tuple size)
        || !(a.get(3) instanceof Tuple stride) || size.items().size() != stride.items().size()) {
      throw error(pos, "_rebuild_tensor_v2 called with unexpected arguments " + describe(
          new Tuple(a)));
    }
    int rank = size.items().size();
    long[] shape = new long[rank];
    long[] step = new long[rank];
    long numel = 1;
    long last = offset; // the highest storage index the view touches
    for (int i = 0; i < rank; i++) {
      if (!(size.items().get(i) instanceof Long d) || !(stride.items().get(i) instanceof Long s)
          || d < 0 || s < 0) {
        throw error(pos, "tensor size/stride must be non-negative integers: " + describe(size)
            + " / " + describe(stride));
      }
      shape[i] = d;
      step[i] = s;
      numel = Math.multiplyExact(numel, d);
      last += d == 0 ? 0 : (d - 1) * s;
    }
    float[] src = storage.data();
    if (numel > 0 && (offset < 0 || last >= src.length)) {
      throw error(pos, "tensor view (offset " + offset + ", size " + describe(size) + ", stride "
          + describe(stride) + ") runs past its storage of " + src.length + " elements");
    }
    if (numel > Integer.MAX_VALUE - 8) {
      throw error(pos, "tensor of " + numel + " elements is too large");
    }
    float[] out = new float[(int) numel];
    long[] idx = new long[rank];
    for (int n = 0; n < numel; n++) {
      long at = offset;
      for (int i = 0; i < rank; i++) {
        at += idx[i] * step[i];
      }
      out[n] = src[(int) at];
      for (int i = rank - 1; i >= 0 && ++idx[i] == shape[i]; i--) {
        idx[i] = 0;
      }
    }
    return new Tensor(shape, out);
  }

  // ------------------------------------------------------------------------------- stack helpers

  private Object pop(int pos) {
    if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
      throw error(pos, "stack underflow");
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek(int pos) {
    if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
      throw error(pos, "stack underflow");
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popToMark(int pos) {
    if (marks.isEmpty()) {
      throw error(pos, "no MARK on the stack");
    }
    int at = marks.pop();
    List<Object> items = new ArrayList<>(stack.subList(at + 1, stack.size()));
    stack.subList(at, stack.size()).clear();
    return items;
  }

  private Tuple tupleOf(int n) {
    List<Object> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(0, pop(in.position() - 1));
    }
    return new Tuple(items);
  }

  private Object memoGet(int pos, long key) {
    if (!memo.containsKey(key)) {
      throw error(pos, "memo entry " + key + " was never stored");
    }
    return memo.get(key);
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(int pos, Object o) {
    if (!(o instanceof Map)) {
      throw error(pos, "SETITEM on " + describe(o) + ", not a dict");
    }
    return (Map<Object, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(int pos, Object o) {
    if (!(o instanceof List)) {
      throw error(pos, "APPEND on " + describe(o) + ", not a list");
    }
    return (List<Object>) o;
  }

  private String utf8(int pos, long n) {
    if (n < 0 || n > in.remaining()) {
      throw error(pos, "string of " + n + " bytes runs past the end of the pickle");
    }
    byte[] b = new byte[(int) n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A newline-terminated ASCII argument of GLOBAL. */
  private String line(int pos) {
    StringBuilder sb = new StringBuilder();
    for (byte b = in.get(); b != '\n'; b = in.get()) {
      sb.append((char) (b & 0xff));
      if (sb.length() > 1000) {
        throw error(pos, "GLOBAL name is too long");
      }
    }
    return sb.toString();
  }

  /** LONG1: a little-endian two's-complement integer of n bytes; more than 8 are refused. */
  private long long1(int pos) {
    int n = in.get() & 0xff;
    if (n > 8) {
      throw error(pos, "integer of " + n + " bytes is too large");
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      v |= (in.get() & 0xffL) << (8 * i);
    }
    if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
      v -= 1L << (8 * n);
    }
    return v;
  }

  private static String describe(Object o) {
    if (o instanceof Global g) {
      return g.dotted();
    }
    if (o instanceof Tuple t) {
      StringBuilder sb = new StringBuilder("(");
      for (Object x : t.items()) {
        sb.append(sb.length() > 1 ? ", " : "").append(describe(x));
      }
      return sb.append(t.items().size() == 1 ? ",)" : ")").toString();
    }
    if (o instanceof String s) {
      return "'" + s + "'";
    }
    if (o instanceof Storage s) {
      return "<storage of " + s.data().length + " floats>";
    }
    if (o instanceof Map<?, ?> m) {
      return "dict of " + m.size();
    }
    return String.valueOf(o);
  }

  private UserError error(int pos, String problem) {
    return new UserError(file + ": cannot read the pickle (at byte " + pos + "): " + problem);
  }
}
