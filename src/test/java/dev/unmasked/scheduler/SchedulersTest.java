package dev.unmasked.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.unmasked.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulersTest {

  /** The SD 1.5 hub config: a PNDMScheduler file with no timestep_spacing key. */
  private static JsonObject sd15Pndm() {
    JsonObject j = new JsonObject();
    j.addProperty("_class_name", "PNDMScheduler");
    j.addProperty("beta_end", 0.012);
    j.addProperty("beta_schedule", "scaled_linear");
    j.addProperty("beta_start", 0.00085);
    j.addProperty("num_train_timesteps", 1000);
    j.addProperty("set_alpha_to_one", false);
    j.addProperty("skip_prk_steps", true);
    j.addProperty("steps_offset", 1);
    return j;
  }

  @Test
  void everyShortAndClassNameBuildsItsScheduler() {
    Object[][] cases = {
      {"ddim", DDIMScheduler.class}, {"DDIMScheduler", DDIMScheduler.class},
      {"euler", EulerDiscreteScheduler.class},
      {"EulerDiscreteScheduler", EulerDiscreteScheduler.class},
      {"euler-a", EulerAncestralDiscreteScheduler.class},
      {"EulerAncestralDiscreteScheduler", EulerAncestralDiscreteScheduler.class},
      {"pndm", PNDMScheduler.class}, {"PNDMScheduler", PNDMScheduler.class},
      {"dpmpp-2m", DPMSolverMultistepScheduler.class},
      {"DPMSolverMultistepScheduler", DPMSolverMultistepScheduler.class},
      {"ddpm", DDPMScheduler.class}, {"DDPMScheduler", DDPMScheduler.class},
    };
    for (Object[] c : cases) {
      Scheduler s = Schedulers.fromConfig(sd15Pndm(), (String) c[0]);
      assertInstanceOf((Class<?>) c[1], s, (String) c[0]);
      assertEquals("PNDMScheduler", s.config().className(), "_class_name is kept");
      assertEquals(((Class<?>) c[1]).getSimpleName(), s.className());
    }
    assertInstanceOf(PNDMScheduler.class, Schedulers.fromConfig(sd15Pndm(), null));
  }

  @Test
  void overrideUsesTheTargetsDefaultsForMissingKeys() {
    // No timestep_spacing in the file: DDIM/PNDM default to leading, Euler/DPM to linspace.
    Scheduler ddim = Schedulers.fromConfig(sd15Pndm(), "ddim");
    ddim.setTimesteps(4);
    assertArrayEquals(new double[] {751, 501, 251, 1}, ddim.timesteps());
    // clip_sample is absent, so DDIM's own default (true) applies, as in diffusers
    assertTrue(ddim.config().clipSample());
    assertFalse(ddim.config().setAlphaToOne(), "a key DDIM knows is read from the file");
    Scheduler euler = Schedulers.fromConfig(sd15Pndm(), "euler");
    euler.setTimesteps(4);
    assertArrayEquals(new double[] {999, 666, 333, 0}, euler.timesteps());
    Scheduler dpm = Schedulers.fromConfig(sd15Pndm(), "dpmpp-2m");
    dpm.setTimesteps(4);
    assertArrayEquals(new double[] {999, 749, 500, 250}, dpm.timesteps());
  }

  @Test
  void overrideReadsKeysTheTargetKnowsFromTheFile() {
    // The golden DDIM config says timestep_spacing leading; Euler built from it uses leading too.
    Scheduler euler = Golden.scheduler("ddim_epsilon", "euler");
    euler.setTimesteps(4);
    assertArrayEquals(new double[] {751, 501, 251, 1}, euler.timesteps());
    assertEquals(
        Math.sqrt(Math.pow(((EulerDiscreteScheduler) euler).sigmas()[0], 2) + 1),
        euler.initNoiseSigma(),
        1e-6);
  }

  @Test
  void keysInUseDefaultValuesAreTreatedAsAbsent() {
    JsonObject j = sd15Pndm();
    j.addProperty("timestep_spacing", "leading");
    JsonArray used = new JsonArray();
    used.add("timestep_spacing");
    j.add("_use_default_values", used);
    assertEquals("linspace", Schedulers.fromConfig(j, "euler").config().timestepSpacing());
  }

  @Test
  void unsupportedAndUnknownNamesListTheChoices() {
    JsonObject lms = sd15Pndm();
    lms.addProperty("_class_name", "LMSDiscreteScheduler");
    UserError e = assertThrows(UserError.class, () -> Schedulers.fromConfig(lms, null));
    assertTrue(e.getMessage().contains("LMSDiscreteScheduler is not supported"), e.getMessage());
    assertTrue(e.getMessage().contains("use one of ddpm (DDPMScheduler)"), e.getMessage());
    UserError f = assertThrows(UserError.class, () -> Schedulers.fromConfig(sd15Pndm(), "eular"));
    assertTrue(f.getMessage().contains("unknown scheduler 'eular'"), f.getMessage());
    JsonObject noName = sd15Pndm();
    noName.remove("_class_name");
    assertThrows(UserError.class, () -> Schedulers.fromConfig(noName, null));
  }

  @Test
  void pythonInfinityAndNullsParse() {
    SchedulerConfig c = Golden.scheduler("dpmpp2m_epsilon", null).config();
    assertEquals(Double.NEGATIVE_INFINITY, c.lambdaMinClipped());
    assertNull(c.trainedBetas());
    assertNull(c.varianceType());
    assertEquals("dpmsolver++", c.algorithmType());
    assertEquals(2, c.solverOrder());
    assertTrue(c.lowerOrderFinal());
  }

  @Test
  void wrongValueTypesNameTheFileAndKey(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("scheduler_config.json");
    Files.writeString(f, "{\"_class_name\": \"DDIMScheduler\", \"steps_offset\": \"one\"}");
    UserError e = assertThrows(UserError.class, () -> Schedulers.fromConfig(f, null));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("'steps_offset'"), e.getMessage());
    Files.writeString(f, "{\"_class_name\": \"DDIMScheduler\", \"timestep_spacing\": \"even\"}");
    UserError g = assertThrows(UserError.class, () -> Schedulers.fromConfig(f, null));
    assertTrue(g.getMessage().contains("timestep_spacing"), g.getMessage());
    Files.writeString(f, "{not json");
    assertThrows(UserError.class, () -> Schedulers.fromConfig(f, null));
    assertThrows(UserError.class, () -> Schedulers.fromConfig(dir.resolve("missing.json"), null));
  }

  @Test
  void aPipelineFolderIsSearchedForItsSchedulerConfig() {
    Scheduler s = Schedulers.fromConfig(Golden.resource("tiny-sd"), null);
    assertInstanceOf(DDIMScheduler.class, s);
    s.setTimesteps(4);
    assertArrayEquals(new double[] {751, 501, 251, 1}, s.timesteps());
    Scheduler sd2 = Schedulers.fromConfig(Golden.resource("tiny-sd2/scheduler"), "dpmpp-2m");
    assertEquals("v_prediction", sd2.predictionType());
  }
}
