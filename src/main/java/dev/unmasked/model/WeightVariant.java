package dev.unmasked.model;

/**
 * Which weight file of a component folder to load. Either way the tensors are converted to float32
 * when read.
 */
public enum WeightVariant {
  /**
   * {@code diffusion_pytorch_model.safetensors} / {@code model.safetensors} (or their sharded
   * index); the {@code .fp16} variant only when it is the only one present.
   */
  DEFAULT,
  /** Only the {@code .fp16} variant ({@code diffusion_pytorch_model.fp16.safetensors}, ...). */
  FP16
}
