package dev.unmasked.convert;

/**
 * One diffusers tensor name bound to the single-file tensor it is read from.
 *
 * @param diffusers the diffusers / transformers state_dict name, without a component prefix
 *     ({@code down_blocks.0.resnets.0.norm1.weight})
 * @param ldm the full key in the single file ({@code model.diffusion_model.input_blocks.1.0.in_layers.0.weight})
 * @param transform how the stored tensor becomes the diffusers tensor
 */
public record MappedKey(String diffusers, String ldm, Transform transform) {}
