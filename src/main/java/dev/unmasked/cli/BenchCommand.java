package dev.unmasked.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.unmasked.bench.MachineInfo;
import dev.unmasked.bench.UNetBench;
import dev.unmasked.io.SafetensorsFile;
import dev.unmasked.model.ConfigJson;
import dev.unmasked.model.unet.UNet2DConditionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code unmasked bench ...}: speed measurements printed with the machine they ran on. */
@Command(name = "bench", description = "Measure speed (prints the machine and absolute figures).",
    subcommands = {BenchCommand.Unet.class}, mixinStandardHelpOptions = true)
public final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "unet", mixinStandardHelpOptions = true,
      description = "UNet forward and forward+backward (gradient to the text context) time.")
  static final class Unet implements Callable<Integer> {
    @Option(names = "--model", description = "diffusers folder whose unet/ to time")
    Path model;

    @Option(names = "--sd15", description = "time an SD-1.5-shaped UNet with random weights")
    boolean sd15;

    @Option(names = "--height", description = "latent height (default: 64 for --sd15, else 8)")
    Integer height;

    @Option(names = "--width", description = "latent width (default: 64 for --sd15, else 8)")
    Integer width;

    @Option(names = "--batch", defaultValue = "1")
    int batch;

    @Option(names = "--repeats", defaultValue = "3", description = "timed rounds after one warm-up")
    int repeats;

    @Override
    public Integer call() throws Exception {
      if ((model == null) == !sd15) {
        throw new UserError("give exactly one of --model DIR or --sd15");
      }
      int h = height != null ? height : sd15 ? 64 : 8;
      int w = width != null ? width : sd15 ? 64 : 8;
      System.out.println("machine: " + MachineInfo.describe());
      try (NDManager m = NDManager.newBaseManager()) {
        long t0 = System.nanoTime();
        UNet2DConditionModel unet;
        String name;
        if (sd15) {
          unet = UNetBench.sd15Random(m);
          name = "SD-1.5-shaped UNet (random weights)";
        } else {
          Path cfg = model.resolve("unet/config.json");
          Path wts = model.resolve("unet/diffusion_pytorch_model.safetensors");
          if (!Files.exists(cfg) || !Files.exists(wts)) {
            throw new UserError(model + ": no unet/config.json and "
                + "unet/diffusion_pytorch_model.safetensors (give a diffusers pipeline folder)");
          }
          unet = UNet2DConditionModel.load(ConfigJson.read(cfg), SafetensorsFile.open(wts), m,
              DataType.FLOAT32);
          name = "UNet of " + model;
        }
        System.out.printf("%s, loaded in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        UNetBench.Result r = UNetBench.run(unet, batch, h, w, repeats, System.out);
        System.out.printf("params %.1fM, batch %d, latents %dx%d: forward %.1f ms, "
                + "forward+backward(context) %.1f ms (medians of %d)%n", r.params() / 1e6, batch, h,
            w, r.forwardMs(), r.forwardBackwardMs(), repeats);
      }
      return 0;
    }
  }
}
