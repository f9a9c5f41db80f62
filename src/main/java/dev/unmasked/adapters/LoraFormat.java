package dev.unmasked.adapters;

/** The key namings of LoRA files (see docs FORMATS.md, "LoRA", and {@link LoraKeys}). */
public enum LoraFormat {
  /** kohya sd-scripts: {@code lora_unet_<module with _>.lora_down.weight}, {@code .lora_up.weight}, {@code .alpha}. */
  KOHYA,
  /** diffusers {@code pytorch_lora_weights.safetensors}: {@code unet.<module>.lora.down.weight}. */
  DIFFUSERS,
  /** PEFT: {@code unet.<module>.lora_A.weight} (down) and {@code lora_B.weight} (up). */
  PEFT
}
