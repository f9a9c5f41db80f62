package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class YamlSubsetTest {

  @Test
  void readsTheLdmSubset() {
    String yaml = String.join("\n",
        "# comment line",
        "model:",
        "  base_learning_rate: 1.0e-04",
        "  params:",
        "    parameterization: \"v\"   # trailing comment",
        "    linear_start: 0.00085",
        "    use_ema: False",
        "    warm: [ 10000 ]",
        "    f_start: [ 1.e-6 ]",
        "    big: [ 10000000000000 ]",
        "    nested: [[1, 2], []]",
        "    empty:",
        "    unet_config:",
        "      target: ldm.modules.diffusionmodules.openaimodel.UNetModel",
        "      params:",
        "        channel_mult: [ 1, 2 ]",
        "        attn: []",
        "    dd:",
        "      ch_mult:",
        "      - 1",
        "      - 2",
        "      items:",
        "        - name: a",
        "          size: 3",
        "        - 'b # not a comment'",
        "    lossconfig:",
        "      target: torch.nn.Identity",
        "");
    JsonObject want = JsonParser.parseString("{model:{base_learning_rate:1.0e-4,params:{"
        + "parameterization:'v',linear_start:0.00085,use_ema:false,warm:[10000],f_start:[1e-6],"
        + "big:[10000000000000],nested:[[1,2],[]],empty:null,"
        + "unet_config:{target:'ldm.modules.diffusionmodules.openaimodel.UNetModel',"
        + "params:{channel_mult:[1,2],attn:[]}},"
        + "dd:{ch_mult:[1,2],items:[{name:'a',size:3},'b # not a comment']},"
        + "lossconfig:{target:'torch.nn.Identity'}}}}").getAsJsonObject();
    assertEquals(want, YamlSubset.parse(yaml));
  }

  @Test
  void readsTheFixtureYaml() throws Exception {
    JsonObject y = YamlSubset.parse(Files.readString(TestFiles.resource("tiny-sd2-single.yaml")));
    JsonObject unet = y.getAsJsonObject("model").getAsJsonObject("params")
        .getAsJsonObject("unet_config").getAsJsonObject("params");
    assertEquals(16, unet.get("num_head_channels").getAsInt());
    assertEquals("[1,2]", unet.get("channel_mult").toString());
    assertEquals("penultimate", y.getAsJsonObject("model").getAsJsonObject("params")
        .getAsJsonObject("cond_stage_config").getAsJsonObject("params").get("layer").getAsString());
  }

  @Test
  void featuresOutsideTheSubsetAreRefusedWithTheLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> YamlSubset.parse("a:\n  b: &anchor 1\n"));
    assertTrue(e.getMessage().startsWith("line 2:"), e.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> YamlSubset.parse("a: 1\nnot a mapping line\n"));
    assertTrue(bad.getMessage().startsWith("line 2:"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> YamlSubset.parse("a: [1, 2\n"));
  }
}
