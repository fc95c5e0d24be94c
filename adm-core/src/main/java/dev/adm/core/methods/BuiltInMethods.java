package dev.adm.core.methods;

import com.google.common.base.Preconditions;
import dev.adm.core.methods.MethodRegistry.Entry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The methods adm ships, as a {@link MethodProvider} like any other: the offline, online and semi-online methods,
 * then ADM on each base that can carry it.
 */
public final class BuiltInMethods implements MethodProvider {
    @Override
    public List<Entry> methods() {
        Map<String, Entry> methods = new LinkedHashMap<>();
        add(methods, new Entry(BaselineMethod.NAME, "cross-entropy only, every trained network on its own",
                List.of(), p -> new BaselineMethod()));
        add(methods, new Entry(KdMethod.NAME, "Hinton KD from a frozen teacher: a*CE + b*T^2*KL(p_t||p_s)",
                KdMethod.PARAMS, KdMethod::fromParams));
        add(methods, new Entry(DkdMethod.NAME, "decoupled KD from a frozen teacher: CE + warm-up * (alpha TCKD + "
                + "beta NCKD)",
                DkdMethod.PARAMS, DkdMethod::fromParams));
        add(methods, new Entry(FitNetMethod.NAME, "FitNet hints from a frozen teacher through a 1x1 regressor",
                FitNetMethod.PARAMS, FitNetMethod::fromParams));
        add(methods, new Entry(AtMethod.NAME, "attention transfer from a frozen teacher on stage outputs",
                AtMethod.PARAMS, AtMethod::fromParams));
        add(methods, new Entry(CwdMethod.NAME, "channel-wise distillation of feature maps from a frozen teacher",
                CwdMethod.PARAMS, CwdMethod::fromParams));
        add(methods, new Entry(PixelKdMethod.NAME, "pixel-wise KD from a frozen teacher over the valid pixels "
                + "(segmentation)", PixelKdMethod.PARAMS, PixelKdMethod::fromParams));
        add(methods, new Entry(AkdMethod.NAME, "avatar KD: dropout avatars of the frozen teacher's map, a cwd or mse "
                + "base loss on the standardised student map, uncertainty-weighted", AkdMethod.PARAMS,
                AkdMethod::fromParams));
        add(methods, new Entry(RddMethod.NAME, "relative-difficulty distillation for segmentation: TFE (teacher-"
                + "difficulty weights) then TSE (pixels hard for one network only), plus pixel KD",
                RddMethod.PARAMS, RddMethod::fromParams));
        add(methods, new Entry(OutputKdMethod.NAME, "diffusion: denoising MSE + weight * mean (eps_s - sg eps_t)^2 "
                + "from a frozen teacher", OutputKdMethod.PARAMS, OutputKdMethod::fromParams));
        add(methods, new Entry(DmlMethod.NAME, "deep mutual learning: every network CE + mean T^2*KL to its peers",
                DmlMethod.PARAMS, DmlMethod::fromParams));
        add(methods, new Entry(KdclMethod.NAME, "KDCL: every network CE + T^2 KL to the MinLogit ensemble",
                KdclMethod.PARAMS, KdclMethod::fromParams));
        add(methods, new Entry(SwitOkdMethod.NAME, "SwitOKD: the student always learns; the teacher pauses (expert "
                + "mode) when the gap G exceeds its threshold", SwitOkdMethod.PARAMS, SwitOkdMethod::fromParams));
        add(methods, new Entry(OneMethod.NAME, "ONE: one network with gated branches of its last stage, each "
                + "learning from the branch ensemble", OneMethod.PARAMS, OneMethod::fromParams));
        add(methods, new Entry(SokdMethod.NAME, "SOKD: frozen teacher plus a trained peer branch on its stage-2 "
                + "output; student and peer learn from each other", SokdMethod.PARAMS, SokdMethod::fromParams));
        for (String base : List.of(DmlMethod.NAME, KdclMethod.NAME, SwitOkdMethod.NAME, KdMethod.NAME,
                DkdMethod.NAME, OutputKdMethod.NAME)) {
            add(methods, MethodRegistry.admOn(methods.get(base)));
        }
        return new ArrayList<>(methods.values());
    }

    private static void add(Map<String, Entry> methods, Entry e) {
        Preconditions.checkState(methods.put(e.name(), e) == null, "method '%s' listed twice", e.name());
    }
}
