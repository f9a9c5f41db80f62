package dev.unmasked.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model options shared by commands that load a pipeline ({@code generate}, {@code info}). */
final class ModelOptions {
  @Option(names = "--model", required = true,
      description = "diffusers pipeline folder, or single-file .safetensors checkpoint")
  Path model;

  @Option(names = "--config-dir",
      description = "for a single file: a diffusers folder whose configs describe it")
  Path configDir;
}
