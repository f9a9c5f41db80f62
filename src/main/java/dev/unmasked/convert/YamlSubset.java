package dev.unmasked.convert;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A reader for the small subset of YAML that LDM "original config" files use ({@code
 * v1-inference.yaml}, {@code v2-inference-v.yaml}): block mappings by indentation, block sequences
 * ({@code - item}), flow sequences ({@code [ 1, 2 ]}, nested), plain and quoted scalars, and
 * {@code #} comments. Anchors, multi-line strings, flow mappings other than {@code {}} and tags are
 * refused with the line number, so a file outside the subset fails loudly instead of being misread.
 *
 * <p>Scalars become JSON: integers as longs, other numbers as doubles, {@code true/false} (any case)
 * as booleans, {@code null}/{@code ~}/empty as JSON null, everything else as a string.
 */
public final class YamlSubset {

  private record Line(int number, int indent, String text) {}

  private final List<Line> lines;
  private int pos;

  private YamlSubset(List<Line> lines) {
    this.lines = lines;
  }

  /** Parses a whole document whose top level is a mapping. */
  public static JsonObject parse(String text) {
    List<Line> lines = new ArrayList<>();
    String[] raw = text.replace("\r\n", "\n").split("\n", -1);
    for (int i = 0; i < raw.length; i++) {
      String s = stripComment(raw[i]);
      if (s.isBlank() || s.strip().equals("---")) {
        continue;
      }
      if (s.contains("\t")) {
        throw error(i + 1, "tab characters are not allowed in YAML indentation");
      }
      int indent = 0;
      while (s.charAt(indent) == ' ') {
        indent++;
      }
      lines.add(new Line(i + 1, indent, s.strip()));
    }
    YamlSubset p = new YamlSubset(lines);
    if (lines.isEmpty()) {
      return new JsonObject();
    }
    JsonElement root = p.block(lines.get(0).indent());
    if (p.pos < lines.size()) {
      throw error(lines.get(p.pos).number(), "unexpected indentation");
    }
    if (!root.isJsonObject()) {
      throw error(lines.get(0).number(), "the document is not a mapping");
    }
    return root.getAsJsonObject();
  }

  private JsonElement block(int indent) {
    Line first = lines.get(pos);
    return first.text().startsWith("- ") || first.text().equals("-")
        ? sequence(indent)
        : mapping(indent);
  }

  private JsonObject mapping(int indent) {
    JsonObject out = new JsonObject();
    while (pos < lines.size() && lines.get(pos).indent() == indent) {
      Line l = lines.get(pos);
      int colon = keyColon(l.text());
      if (colon < 0) {
        throw error(l.number(), "expected 'key: value', found '" + l.text() + "'");
      }
      String key = unquote(l.text().substring(0, colon).strip());
      String rest = l.text().substring(colon + 1).strip();
      pos++;
      out.add(key, rest.isEmpty() ? nestedOrNull(indent) : scalarOrFlow(rest, l.number()));
    }
    return out;
  }

  private JsonArray sequence(int indent) {
    JsonArray out = new JsonArray();
    while (pos < lines.size()
        && lines.get(pos).indent() == indent
        && (lines.get(pos).text().startsWith("- ") || lines.get(pos).text().equals("-"))) {
      Line l = lines.get(pos);
      String rest = l.text().substring(1).strip();
      if (rest.isEmpty()) {
        pos++;
        out.add(nestedOrNull(indent));
      } else if (keyColon(rest) >= 0 && !rest.startsWith("[")) {
        // "- key: value" opens a mapping whose keys sit two columns right of the dash
        lines.set(pos, new Line(l.number(), indent + 2, rest));
        out.add(mapping(indent + 2));
      } else {
        pos++;
        out.add(scalarOrFlow(rest, l.number()));
      }
    }
    return out;
  }

  private JsonElement nestedOrNull(int parentIndent) {
    if (pos < lines.size() && lines.get(pos).indent() > parentIndent) {
      return block(lines.get(pos).indent());
    }
    // "key:" followed by a sequence at the same indent is legal YAML ("key:\n- a")
    if (pos < lines.size()
        && lines.get(pos).indent() == parentIndent
        && lines.get(pos).text().startsWith("- ")) {
      return sequence(parentIndent);
    }
    return JsonNull.INSTANCE;
  }

  private static JsonElement scalarOrFlow(String s, int line) {
    if (s.startsWith("[")) {
      int[] at = {0};
      JsonElement e = flow(s, at, line);
      if (!s.substring(at[0]).isBlank()) {
        throw error(line, "text after the closing ']': '" + s.substring(at[0]) + "'");
      }
      return e;
    }
    if (s.equals("{}")) {
      return new JsonObject();
    }
    if (s.startsWith("{") || s.startsWith("&") || s.startsWith("*") || s.startsWith("!")
        || s.startsWith("|") || s.startsWith(">")) {
      throw error(line, "YAML feature outside the supported subset: '" + s + "'");
    }
    return scalar(s);
  }

  private static JsonElement flow(String s, int[] at, int line) {
    JsonArray out = new JsonArray();
    at[0]++; // '['
    while (true) {
      skipSpaces(s, at);
      if (at[0] >= s.length()) {
        throw error(line, "unclosed '[' in '" + s + "'");
      }
      char c = s.charAt(at[0]);
      if (c == ']') {
        at[0]++;
        return out;
      }
      if (c == '[') {
        out.add(flow(s, at, line));
      } else {
        int start = at[0];
        boolean quoted = c == '"' || c == '\'';
        if (quoted) {
          int close = s.indexOf(c, start + 1);
          if (close < 0) {
            throw error(line, "unclosed quote in '" + s + "'");
          }
          at[0] = close + 1;
        } else {
          while (at[0] < s.length() && s.charAt(at[0]) != ',' && s.charAt(at[0]) != ']') {
            at[0]++;
          }
        }
        out.add(scalar(s.substring(start, at[0]).strip()));
      }
      skipSpaces(s, at);
      if (at[0] < s.length() && s.charAt(at[0]) == ',') {
        at[0]++;
      }
    }
  }

  private static void skipSpaces(String s, int[] at) {
    while (at[0] < s.length() && s.charAt(at[0]) == ' ') {
      at[0]++;
    }
  }

  static JsonElement scalar(String s) {
    if (s.length() >= 2
        && ((s.startsWith("\"") && s.endsWith("\"")) || (s.startsWith("'") && s.endsWith("'")))) {
      return new JsonPrimitive(s.substring(1, s.length() - 1));
    }
    switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "", "~", "null" -> {
        return JsonNull.INSTANCE;
      }
      case "true" -> {
        return new JsonPrimitive(true);
      }
      case "false" -> {
        return new JsonPrimitive(false);
      }
      default -> {
        // fall through to numbers
      }
    }
    if (s.matches("[-+]?[0-9]+")) {
      try {
        return new JsonPrimitive(Long.parseLong(s));
      } catch (NumberFormatException e) {
        return new JsonPrimitive(new java.math.BigDecimal(s));
      }
    }
    if (s.matches("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?")) {
      return new JsonPrimitive(Double.parseDouble(s));
    }
    return new JsonPrimitive(s);
  }

  /** The index of the ':' that ends a mapping key (followed by a space or the line end), or -1. */
  private static int keyColon(String s) {
    // A '[' before any such colon starts a flow sequence, whose colons are not keys.
    int i = firstUnquoted(s, j -> s.charAt(j) == '['
        || s.charAt(j) == ':' && (j + 1 == s.length() || s.charAt(j + 1) == ' '));
    return i >= 0 && s.charAt(i) == ':' ? i : -1;
  }

  private static String stripComment(String s) {
    int i = firstUnquoted(s, j -> s.charAt(j) == '#' && (j == 0 || s.charAt(j - 1) == ' '));
    return i >= 0 ? s.substring(0, i) : s;
  }

  /** The first index outside '...' and "..." quotes where {@code stop} holds, or -1. */
  private static int firstUnquoted(String s, IntPredicate stop) {
    char quote = 0; // the open quote character, or 0 outside quotes
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (stop.test(i)) {
        return i;
      }
    }
    return -1;
  }

  private static String unquote(String s) {
    JsonElement e = scalar(s);
    return e.isJsonPrimitive() ? e.getAsString() : s;
  }

  private static IllegalArgumentException error(int line, String problem) {
    return new IllegalArgumentException("line " + line + ": " + problem);
  }
}
