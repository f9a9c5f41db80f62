package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Configs derived from the fixture yaml files equal the diffusers folders' configs. */
class LdmConfigsTest {

  @ParameterizedTest
  @CsvSource({"tiny-sd-single.yaml, tiny-sd, SD1, 16, 16", "tiny-sd2-single.yaml, tiny-sd2, SD2, 32, 8"})
  void yamlGivesTheFolderConfigsExceptGroupCounts(
      String yaml, String folder, ModelKind kind, int unetGroups, int vaeGroups) throws Exception {
    Path golden = TestFiles.golden(folder);
    Map<Component, JsonObject> c = LdmConfigs.derive(kind,
        Optional.of(YamlSubset.parse(Files.readString(TestFiles.resource(yaml)))), Optional.empty());
    JsonObject unet = TestFiles.json(golden.resolve("unet/config.json"));
    JsonObject vae = TestFiles.json(golden.resolve("vae/config.json"));
    // the one field a yaml cannot state, from the base config of the family
    assertEquals(32, c.get(Component.UNET).get("norm_num_groups").getAsInt());
    c.get(Component.UNET).addProperty("norm_num_groups", unetGroups);
    c.get(Component.VAE).addProperty("norm_num_groups", vaeGroups);
    assertEquals(unet, c.get(Component.UNET));
    assertEquals(vae, c.get(Component.VAE));
    assertEquals(TestFiles.json(golden.resolve("scheduler/scheduler_config.json")), c.get(Component.SCHEDULER));
  }

  @ParameterizedTest
  @CsvSource({
    "SD1, , epsilon, 64, 512",
    "SD2, , v_prediction, 96, 768",
    "SD2, epsilon, epsilon, 64, 512", // SD 2.x base
    "SD1, v_prediction, v_prediction, 64, 512",
  })
  void withoutYamlTheStandardConfigsAreUsed(
      ModelKind kind, String override, String prediction, int unetSize, int vaeSize) {
    Map<Component, JsonObject> c = LdmConfigs.derive(kind, Optional.empty(), Optional.ofNullable(override));
    assertEquals(prediction, c.get(Component.SCHEDULER).get("prediction_type").getAsString());
    assertEquals(unetSize, c.get(Component.UNET).get("sample_size").getAsInt());
    assertEquals(vaeSize, c.get(Component.VAE).get("sample_size").getAsInt());
    assertEquals(kind == ModelKind.SD2 ? 1024 : 768, c.get(Component.UNET).get("cross_attention_dim").getAsInt());
    assertEquals(kind == ModelKind.SD2 ? 23 : 12,
        c.get(Component.TEXT_ENCODER).get("num_hidden_layers").getAsInt());
  }

  @Test
  void predictionSpellings() {
    assertEquals("epsilon", LdmConfigs.normalisePrediction("eps"));
    assertEquals("v_prediction", LdmConfigs.normalisePrediction("V"));
    assertThrows(IllegalArgumentException.class, () -> LdmConfigs.normalisePrediction("sample"));
  }

  @Test
  void sdxlStyleYamlIsRefused() {
    JsonObject y = YamlSubset.parse(String.join("\n", "model:", "  params:", "    unet_config:",
        "      params:", "        adm_in_channels: 2816", "        model_channels: 320", ""));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LdmConfigs.derive(ModelKind.SD1, Optional.of(y), Optional.empty()));
    assertEquals(true, e.getMessage().contains("not supported"), e.getMessage());
  }

  @Test
  void missingYamlFieldsAreNamedByTheirPath() {
    JsonObject noChannels = YamlSubset.parse(String.join("\n", "model:", "  params:", "    unet_config:",
        "      params:", "        channel_mult: [1, 2]", ""));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LdmConfigs.derive(ModelKind.SD1, Optional.of(noChannels), Optional.empty()));
    assertEquals("the yaml has no 'model.params.unet_config.params.model_channels'", e.getMessage());
    JsonObject noVae = YamlSubset.parse(String.join("\n", "model:", "  params:", "    unet_config:",
        "      params:", "        model_channels: 32", "        channel_mult: [1, 2]",
        "        attention_resolutions: [1]", "        in_channels: 4", "        out_channels: 4",
        "        num_res_blocks: 1", ""));
    IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
        () -> LdmConfigs.derive(ModelKind.SD1, Optional.of(noVae), Optional.empty()));
    assertEquals("the yaml has no mapping 'model.params.first_stage_config'", v.getMessage());
  }
}
