package dev.unmasked.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.unmasked.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both export directions reproduce the other side of the interop fixtures tensor for tensor. */
class CheckpointExportTest {

  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({"tiny-sd, SD1, tiny-sd-single.safetensors", "tiny-sd2, SD2, tiny-sd2-single.safetensors"})
  void diffusersFolderToSingleFileGivesTheFixture(String folder, ModelKind kind, String fixture)
      throws Exception {
    Path out = tmp.resolve("out.safetensors");
    CheckpointExport.toSingleFile(TestFiles.golden(folder), kind, out);
    assertSameTensors(TestFiles.interop(fixture), out);
  }

  @ParameterizedTest
  @CsvSource({"tiny-sd-single.safetensors, tiny-sd", "tiny-sd2-single.safetensors, tiny-sd2"})
  void singleFileToDiffusersFolderGivesTheFolder(String fixture, String folder) throws Exception {
    Path golden = TestFiles.golden(folder);
    Path out = tmp.resolve("pipe");
    try (SingleFileCheckpoint c = SingleFileCheckpoint.open(TestFiles.interop(fixture),
        SingleFileOptions.defaults().withConfigDir(golden))) {
      CheckpointExport.toDiffusersFolder(c, out);
    }
    for (String f : List.of("unet/diffusion_pytorch_model.safetensors",
        "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors")) {
      assertSameTensors(golden.resolve(f), out.resolve(f));
    }
    for (String f : List.of("unet/config.json", "vae/config.json", "text_encoder/config.json",
        "scheduler/scheduler_config.json", "model_index.json")) {
      assertEquals(TestFiles.json(golden.resolve(f)), TestFiles.json(out.resolve(f)), f);
    }
  }

  static void assertSameTensors(Path want, Path got) throws Exception {
    try (SafetensorsFile w = SafetensorsFile.open(want); SafetensorsFile g = SafetensorsFile.open(got)) {
      assertEquals(w.keys(), g.keys());
      for (String k : w.keys()) {
        assertArrayEquals(w.info(k).shape(), g.info(k).shape(), k);
        assertEquals(w.info(k).dtype(), g.info(k).dtype(), k);
        assertEquals(w.bytes(k), g.bytes(k), k); // ByteBuffer equality: same remaining bytes
      }
    }
  }
}
