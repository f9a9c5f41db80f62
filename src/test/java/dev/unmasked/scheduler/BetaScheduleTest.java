package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import dev.unmasked.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

class BetaScheduleTest {

  private static BetaSchedule sdSchedule() {
    return ((DDPMScheduler) Golden.scheduler("ddpm", null)).schedule();
  }

  @Test
  void scaledLinearBetasAndCumprodMatchTorchBitForBit() throws Exception {
    BetaSchedule s = sdSchedule();
    try (SafetensorsFile g = Golden.open()) {
      assertArrayEquals(g.floats("betas"), s.betas(), "betas");
      assertArrayEquals(g.floats("alphas_cumprod"), s.alphasCumprod(), "alphas_cumprod");
    }
  }

  @Test
  void linearScheduleEndsAtItsConfiguredValues() {
    JsonObject j = new JsonObject();
    j.addProperty("beta_schedule", "linear");
    j.addProperty("beta_start", 0.001);
    j.addProperty("beta_end", 0.02);
    j.addProperty("num_train_timesteps", 100);
    float[] b =
        BetaSchedule.of(SchedulerConfig.parse(j, SchedulerType.DDPM, "test")).betas();
    assertEquals(100, b.length);
    assertEquals(0.001f, b[0]);
    assertEquals(0.02f, b[99]);
    for (int i = 1; i < b.length; i++) {
      assertEquals(0.019f / 99, b[i] - b[i - 1], 1e-8, "even spacing at " + i);
    }
  }

  @Test
  void squaredCosineScheduleIsIncreasingAndCapped() {
    JsonObject j = new JsonObject();
    j.addProperty("beta_schedule", "squaredcos_cap_v2");
    float[] b = BetaSchedule.of(SchedulerConfig.parse(j, SchedulerType.DDPM, "test")).betas();
    for (int i = 1; i < b.length; i++) {
      assertEquals(true, b[i] >= b[i - 1], "monotone at " + i);
    }
    assertEquals(0.999f, b[b.length - 1]);
  }

  @Test
  void trainedBetasOverrideTheSchedule() {
    JsonObject j = new JsonObject();
    j.addProperty("num_train_timesteps", 3);
    com.google.gson.JsonArray tb = new com.google.gson.JsonArray();
    tb.add(0.1);
    tb.add(0.2);
    tb.add(0.5);
    j.add("trained_betas", tb);
    BetaSchedule s = BetaSchedule.of(SchedulerConfig.parse(j, SchedulerType.DDIM, "test"));
    assertArrayEquals(new float[] {0.1f, 0.2f, 0.5f}, s.betas());
    assertEquals(0.9f * 0.8f * 0.5f, s.alphaCumprod(2), 1e-7);
  }

  @Test
  void unknownBetaScheduleIsAUserError() {
    JsonObject j = new JsonObject();
    j.addProperty("beta_schedule", "sigmoid");
    UserError e =
        assertThrows(
            UserError.class,
            () -> BetaSchedule.of(SchedulerConfig.parse(j, SchedulerType.DDIM, "cfg.json")));
    assertEquals(true, e.getMessage().contains("beta_schedule"), e.getMessage());
    assertEquals(true, e.getMessage().contains("cfg.json"), e.getMessage());
  }
}
