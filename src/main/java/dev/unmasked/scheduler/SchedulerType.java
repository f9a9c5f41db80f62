package dev.unmasked.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The supported schedulers: a short CLI name, the diffusers class it mirrors, and that class's
 * {@code __init__} keys with their diffusers 0.25.1 defaults. The key set decides which keys of a
 * {@code scheduler_config.json} the scheduler reads, as diffusers' {@code from_config} does: a key
 * the class does not know is ignored and a key the JSON lacks takes this class's default.
 */
public enum SchedulerType {
  DDPM("ddpm", "DDPMScheduler"),
  DDIM("ddim", "DDIMScheduler"),
  EULER("euler", "EulerDiscreteScheduler"),
  EULER_ANCESTRAL("euler-a", "EulerAncestralDiscreteScheduler"),
  PNDM("pndm", "PNDMScheduler"),
  DPMPP_2M("dpmpp-2m", "DPMSolverMultistepScheduler");

  private final String shortName;
  private final String className;

  SchedulerType(String shortName, String className) {
    this.shortName = shortName;
    this.className = className;
  }

  /** The CLI name: ddpm, ddim, euler, euler-a, pndm or dpmpp-2m. */
  public String shortName() {
    return shortName;
  }

  /** The diffusers class name, as written in {@code _class_name}. */
  public String className() {
    return className;
  }

  /**
   * Finds a type by short name (case-insensitive) or diffusers class name.
   *
   * @throws IllegalArgumentException naming the supported choices when {@code name} is neither
   */
  public static SchedulerType byName(String name) {
    for (SchedulerType t : values()) {
      if (t.shortName.equalsIgnoreCase(name.trim()) || t.className.equals(name.trim())) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "scheduler '" + name + "' is not supported, use one of " + choices());
  }

  /** "ddim (DDIMScheduler), euler (EulerDiscreteScheduler), ..." for error messages. */
  public static String choices() {
    List<String> s = new ArrayList<>();
    for (SchedulerType t : values()) {
      s.add(t.shortName + " (" + t.className + ")");
    }
    return String.join(", ", s);
  }

  private static final Map<String, Object> COMMON =
      Map.of(
          "num_train_timesteps", 1000,
          "beta_start", 0.0001,
          "beta_end", 0.02,
          "beta_schedule", "linear",
          "prediction_type", "epsilon",
          "steps_offset", 0);

  /** This class's {@code __init__} keys with their defaults (null for Python None). */
  Map<String, Object> defaults() {
    Map<String, Object> d = new java.util.HashMap<>(COMMON);
    d.put("trained_betas", null);
    switch (this) {
      case DDPM:
        d.putAll(ddpmLike());
        d.put("variance_type", "fixed_small");
        break;
      case DDIM:
        d.putAll(ddpmLike());
        d.put("set_alpha_to_one", true);
        break;
      case EULER:
        d.put("interpolation_type", "linear");
        d.put("use_karras_sigmas", false);
        d.put("sigma_min", null);
        d.put("sigma_max", null);
        d.put("timestep_spacing", "linspace");
        d.put("timestep_type", "discrete");
        d.put("rescale_betas_zero_snr", false);
        break;
      case EULER_ANCESTRAL:
        d.put("timestep_spacing", "linspace");
        d.put("rescale_betas_zero_snr", false);
        break;
      case PNDM:
        d.put("skip_prk_steps", false);
        d.put("set_alpha_to_one", false);
        d.put("timestep_spacing", "leading");
        break;
      case DPMPP_2M:
        d.put("solver_order", 2);
        d.put("thresholding", false);
        d.put("algorithm_type", "dpmsolver++");
        d.put("solver_type", "midpoint");
        d.put("lower_order_final", true);
        d.put("euler_at_final", false);
        d.put("use_karras_sigmas", false);
        d.put("use_lu_lambdas", false);
        d.put("lambda_min_clipped", Double.NEGATIVE_INFINITY);
        d.put("variance_type", null);
        d.put("timestep_spacing", "linspace");
        // Not __init__ keys in 0.25.1: sigma_min/sigma_max reach _convert_to_karras through the
        // hidden config that from_config registers; final_sigmas_type is a later diffusers key
        // whose absent value means 0.25.1's behaviour (final sigma = sigma of timestep 0).
        d.put("sigma_min", null);
        d.put("sigma_max", null);
        d.put("final_sigmas_type", "sigma_min");
        break;
    }
    return d;
  }

  private static Map<String, Object> ddpmLike() {
    return Map.of(
        "clip_sample", true,
        "thresholding", false,
        "clip_sample_range", 1.0,
        "timestep_spacing", "leading",
        "rescale_betas_zero_snr", false);
  }

  @Override
  public String toString() {
    return shortName;
  }
}
