package dev.unmasked.cli;

import dev.unmasked.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model options shared by commands that load a pipeline ({@code generate}, {@code learn}, ...). */
final class ModelOptions {
  /** The embedded toy-world model, relative to the project home. */
  static final String EMBEDDED = "models/toyworld-sd";

  @Option(names = "--model",
      description = "diffusers pipeline folder, or single-file .safetensors checkpoint "
          + "(default: the embedded toy-world model, " + EMBEDDED + ")")
  Path model;

  @Option(names = "--config-dir",
      description = "for a single file: a diffusers folder whose configs describe it")
  Path configDir;

  /** --model, or the embedded model when it is not given. */
  Path resolve() {
    if (model != null) {
      return model;
    }
    Path embedded = embedded();
    if (!Files.isDirectory(embedded)) {
      throw new UserError("no --model given and the embedded model is missing (" + embedded
          + "); pass --model with a diffusers folder or .safetensors checkpoint");
    }
    return embedded;
  }

  static Path embedded() {
    return Path.of(System.getProperty("unmasked.home", ".")).resolve(EMBEDDED);
  }
}
