package dev.unmasked.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --help} of every command shows its description lines whole, as they were written (lines
 * of up to {@link Main#HELP_WIDTH} columns; longer ones are paragraphs that picocli wraps).
 */
class HelpTest {

  /** How wide the descriptions are written (STYLE: lines of 100 columns). */
  private static final int AUTHORED_WIDTH = 100;

  @Test
  void everyDescriptionLineSurvivesTheUsageLayout() {
    List<CommandLine> all = new ArrayList<>();
    collect(Main.commandLine(), all);
    assertTrue(all.size() > 10, "expected the whole command tree, got " + all.size());
    for (CommandLine c : all) {
      String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
      for (String line : c.getCommandSpec().usageMessage().description()) {
        String want = line.replace("%n", "").replace("%%", "%").strip(); // picocli's format
        if (want.length() > AUTHORED_WIDTH) {
          continue; // a paragraph on one line: picocli wraps it at word boundaries
        }
        assertTrue(usage.contains(want), c.getCommandSpec().qualifiedName()
            + ": description line broken by the layout: '" + want + "'\n" + usage);
      }
    }
  }

  private static void collect(CommandLine c, List<CommandLine> out) {
    out.add(c);
    for (CommandLine sub : c.getSubcommands().values()) {
      if (!out.contains(sub)) {
        collect(sub, out);
      }
    }
  }
}
