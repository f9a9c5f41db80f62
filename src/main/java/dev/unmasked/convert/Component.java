package dev.unmasked.convert;

/** The parts of a pipeline a single file provides a config for, with their diffusers file names. */
public enum Component {
  UNET("unet", "config.json"),
  VAE("vae", "config.json"),
  TEXT_ENCODER("text_encoder", "config.json"),
  SCHEDULER("scheduler", "scheduler_config.json");

  private final String folder;
  private final String configFile;

  Component(String folder, String configFile) {
    this.folder = folder;
    this.configFile = configFile;
  }

  /** The sub-folder name in a diffusers pipeline folder. */
  public String folder() {
    return folder;
  }

  /** The config file name inside {@link #folder()}. */
  public String configFile() {
    return configFile;
  }
}
