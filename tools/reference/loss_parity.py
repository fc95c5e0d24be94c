#!/usr/bin/env python3
"""Reference losses and gradients for the Java loss-parity tests, computed with PyTorch.

For each case (kd, dkd, dml, kdcl, at, cwd, three ADM variants, and the dense cases pixel_kd,
dml_dense, two dense ADM variants, akd and rdd) this writes, under
`<out>/<case>/`:

  inputs/<name>.npy       the inputs the method uses (float32, labels int64, C order, NCHW):
                          labels [B]; student_logits / teacher_logits [B,K];
                          student_feat / teacher_feat [B,C,H,W]; for ADM the linear heads
                          student_head_w / teacher_head_w [C,K] and *_head_b [K] instead of logits
                          (ADM logits are z = mean_hw(F) @ W + b). Dense cases: labels [B,H,W] with
                          the ignore label 255, logits [B,K,H,W]; other taps t of a network n are
                          n_t.npy (teacher_aux, *_feat, ...).
  params.json             {"method": ..., "params": {name: value as a string}}
  expected/loss.json      {"student": total, "teacher": total or null when frozen,
                           "terms": {"<term>/<network>": value}}
  expected/grad_<input>   float32 gradient of a network's own total w.r.t. each of its own input
                          files that the total depends on other than through stop-gradient values
                          (student_* for the student; teacher_* only when the teacher trains).

Inputs are drawn in float64 from a fixed seed (per case: SEED and the CRC32 of the case name, so
adding a case leaves the others unchanged), rounded to float32 and stored; the float32 values are
then widened to float64 and losses and autograd gradients are computed in float64. Every
stop-gradient value sg(.) of the definitions is computed from a detached copy of the inputs, so a
network's total is an ordinary function of its own inputs; before anything is written, each of
these gradients is verified with torch.autograd.gradcheck.

Only used to regenerate adm-core/src/test/resources/loss-parity (Debian: apt-get install
python3-torch; run from the repository root):

    /usr/bin/python3 tools/reference/loss_parity.py --out adm-core/src/test/resources/loss-parity

Tests never run Python: they read the files.
"""
import argparse
import json
import math
import shutil
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240611
B, K, C, H, W = 4, 5, 6, 4, 4
C_WIDE = 8  # teacher channels of the at and adm_decision_attention cases
LOGIT_STD, HEAD_W_STD, HEAD_B_STD = 2.0, 0.3, 0.1
NETWORKS = ("student", "teacher")


# --------------------------------------------------------------------------------------------
# Common pieces
# --------------------------------------------------------------------------------------------

def ce(z, y):
    """CE(z, y) = mean over b of -log softmax(z)_y."""
    return F.cross_entropy(z, y)


def klt(target, z, T):
    """KLT(target, z, T) = T^2 * mean_b sum_k q_k (log q_k - log p_k); q = softmax(target/T) is
    detached, p = softmax(z/T)."""
    q = F.softmax(target.detach() / T, dim=1)
    return T * T * F.kl_div(F.log_softmax(z / T, dim=1), q, reduction="batchmean")


def linear_head(f, w, b):
    """ADM logits: z = mean over H,W of F, times W [C,K], plus b [K]."""
    return f.mean(dim=(2, 3)) @ w + b


# --------------------------------------------------------------------------------------------
# One function per loss
# --------------------------------------------------------------------------------------------

def kd_loss(z_s, z_t, T):
    """Hinton KD: KLT(z_t, z_s, T)."""
    return klt(z_t, z_s, T)


def _gt_mask(z, y):
    return F.one_hot(y, z.shape[1]).to(z.dtype)


def dkd_tckd(z_s, z_t, y, T):
    """DKD target-class term: T^2 * mean_b KL([p_t,y, 1-p_t,y] || [p_s,y, 1-p_s,y]), p = softmax(z/T)
    (the non-target mass summed over the other classes, as mdistiller's cat_mask does)."""
    gt = _gt_mask(z_s, y)

    def binary(z):
        p = F.softmax(z / T, dim=1)
        return torch.cat([(p * gt).sum(1, keepdim=True), (p * (1 - gt)).sum(1, keepdim=True)], 1)

    return T * T * F.kl_div(torch.log(binary(z_s)), binary(z_t.detach()), reduction="sum") / z_s.shape[0]


def dkd_nckd(z_s, z_t, y, T):
    """DKD non-target term: T^2 * mean_b KL(softmax(z_t/T - 1000 gt) || softmax(z_s/T - 1000 gt))."""
    gt = _gt_mask(z_s, y)
    q = F.softmax(z_t.detach() / T - 1000.0 * gt, dim=1)
    log_p = F.log_softmax(z_s / T - 1000.0 * gt, dim=1)
    return T * T * F.kl_div(log_p, q, reduction="sum") / z_s.shape[0]


def kdcl_ensemble(z_s, z_t, y):
    """KDCL-MinLogit: z_e,c = min over networks of (z_c - z_y), detached."""
    def relative(z):
        return z - z.gather(1, y[:, None])

    return torch.minimum(relative(z_s), relative(z_t)).detach()


def attention_map(f):
    """AT: mean over channels of F^2, flattened to [B,HW], L2-normalised per sample."""
    return F.normalize(f.pow(2).mean(dim=1).flatten(1), dim=1, eps=1e-12)


def at_loss(f_s, f_t):
    """AT: mean over b,i of (a(F_s) - a(F_t))^2, teacher detached."""
    return (attention_map(f_s) - attention_map(f_t.detach())).pow(2).mean()


def cwd_loss(f_s, f_t, tau):
    """CWD: tau^2/(B*C) * sum_{b,c} KL(softmax_HW(F_t/tau) || softmax_HW(F_s/tau))."""
    b, c = f_s.shape[:2]
    q = F.softmax(f_t.detach().flatten(2) / tau, dim=2)
    log_p = F.log_softmax(f_s.flatten(2) / tau, dim=2)
    return tau * tau / (b * c) * F.kl_div(log_p, q, reduction="sum")


def adm_cosine_similarity(f_s, f_t):
    """ADM similarity [B,H,W]: <Fs_i, Ft_i> / max(|Fs_i| |Ft_i|, 1e-8) over channels."""
    dot = (f_s * f_t).sum(dim=1)
    return dot / (f_s.norm(dim=1) * f_t.norm(dim=1)).clamp_min(1e-8)


def adm_attention_similarity(f_s, f_t):
    """ADM similarity [B,H,W]: 1 - |â_s - â_t|, a = mean_c F^2, â = a / max(max_i a_i, 1e-8)."""
    def normalized(f):
        a = f.pow(2).mean(dim=1)
        return a / a.flatten(1).max(dim=1).values.clamp_min(1e-8)[:, None, None]

    return 1 - (normalized(f_s) - normalized(f_t)).abs()


def adm_weights(s, tau):
    """w_co = HW softmax_i(S_i/tau), w_di = HW softmax_i(-S_i/tau), both [B,HW] and detached."""
    s = s.detach().flatten(1)
    hw = s.shape[1]
    return hw * F.softmax(s / tau, dim=1), hw * F.softmax(-s / tau, dim=1)


def weighted_pool(f, w):
    """g = (1/HW) sum_i w_i F_i, [B,C]."""
    return (f.flatten(2) * w[:, None, :]).mean(dim=2)


def channel_normalize(f):
    """n(F) = F / max(|F|_channels, 1e-8) at each location."""
    return f / f.norm(dim=1, keepdim=True).clamp_min(1e-8)


def adm_co_decision(f_s, w_s, b_s, w_co, z_t, T):
    """ADM co term, decision variant: KLT(sg z_t, g_co @ W_s + b_s, T)."""
    return klt(z_t, weighted_pool(f_s, w_co) @ w_s + b_s, T)


def adm_co_mimicry(f_s, f_t, w_co):
    """ADM co term, mimicry variant: 1/(B*HW) sum_{b,i} w_co,b,i |n(F_s,b,i) - sg n(F_t,b,i)|^2."""
    dist = (channel_normalize(f_s) - channel_normalize(f_t.detach())).pow(2).sum(dim=1).flatten(1)
    return (w_co * dist).mean()


def adm_di(f_t, w_t, b_t, w_di, y):
    """ADM di term: CE(g_di @ W_t + b_t, y), g_di pooled from the teacher with w_di."""
    return ce(weighted_pool(f_t, w_di) @ w_t + b_t, y)


IGNORE = 255  # the ignore label of the dense (segmentation) cases


def pixel_kd_loss(z_s, z_t, y, T):
    """T^2 * (1/N_valid) * sum over valid pixels of KL(softmax(z_t/T) || softmax(z_s/T)) over classes."""
    q = F.softmax(z_t.detach() / T, dim=1)
    kl = (q * (torch.log(q) - F.log_softmax(z_s / T, dim=1))).sum(1)  # [B,H,W]
    valid = y != IGNORE
    return T * T * kl[valid].sum() / valid.sum()


# --------------------------------------------------------------------------------------------
# Methods: terms and totals. x holds the differentiable inputs, sg a detached copy from which
# every stop-gradient value is computed. Returns ({"term/net": loss}, {"student": .., "teacher": ..}).
# --------------------------------------------------------------------------------------------

def method_kd(x, sg, p):
    T, a, b = float(p["T"]), float(p["a"]), float(p["b"])
    terms = {"ce/student": ce(x["student_logits"], x["labels"]),
             "kd/student": kd_loss(x["student_logits"], sg["teacher_logits"], T)}
    return terms, {"student": a * terms["ce/student"] + b * terms["kd/student"], "teacher": None}


def method_dkd(x, sg, p):
    T, alpha, beta, warm = (float(p[k]) for k in ("T", "alpha", "beta", "warmup_factor"))
    z_s, z_t, y = x["student_logits"], sg["teacher_logits"], x["labels"]
    terms = {"ce/student": ce(z_s, y),
             "tckd/student": warm * dkd_tckd(z_s, z_t, y, T),
             "nckd/student": warm * dkd_nckd(z_s, z_t, y, T)}
    total = terms["ce/student"] + alpha * terms["tckd/student"] + beta * terms["nckd/student"]
    return terms, {"student": total, "teacher": None}


def method_dml(x, sg, p):
    T, lam = float(p["T"]), float(p["lambda"])
    y = x["labels"]
    terms = {"ce/student": ce(x["student_logits"], y),
             "kl/student": klt(sg["teacher_logits"], x["student_logits"], T),
             "ce/teacher": ce(x["teacher_logits"], y),
             "kl/teacher": klt(sg["student_logits"], x["teacher_logits"], T)}
    return terms, {m: terms[f"ce/{m}"] + lam * terms[f"kl/{m}"] for m in NETWORKS}


def method_kdcl(x, sg, p):
    T, lam = float(p["T"]), float(p["lambda"])
    y = x["labels"]
    z_e = kdcl_ensemble(sg["student_logits"], sg["teacher_logits"], y)
    terms = {}
    for m in NETWORKS:
        terms[f"ce/{m}"] = ce(x[f"{m}_logits"], y)
        terms[f"kl/{m}"] = klt(z_e, x[f"{m}_logits"], T)
    return terms, {m: terms[f"ce/{m}"] + lam * terms[f"kl/{m}"] for m in NETWORKS}


def method_at(x, sg, p):
    beta = float(p["beta"])
    terms = {"ce/student": ce(x["student_logits"], x["labels"]),
             "at/student": at_loss(x["student_feat"], sg["teacher_feat"])}
    return terms, {"student": terms["ce/student"] + beta * terms["at/student"], "teacher": None}


def method_cwd(x, sg, p):
    tau, weight = float(p["tau"]), float(p["weight"])
    terms = {"ce/student": ce(x["student_logits"], x["labels"]),
             "cwd/student": cwd_loss(x["student_feat"], sg["teacher_feat"], tau)}
    return terms, {"student": terms["ce/student"] + weight * terms["cwd/student"], "teacher": None}


def method_adm(x, sg, p):
    T, tau, alpha, beta, lam = (float(p[k]) for k in ("T", "tau", "alpha", "beta", "lambda"))
    y = x["labels"]
    z = {m: linear_head(x[f"{m}_feat"], x[f"{m}_head_w"], x[f"{m}_head_b"]) for m in NETWORKS}
    z_sg = {m: linear_head(sg[f"{m}_feat"], sg[f"{m}_head_w"], sg[f"{m}_head_b"]) for m in NETWORKS}
    similarity = {"cosine": adm_cosine_similarity, "attention": adm_attention_similarity}[p["similarity"]]
    w_co, w_di = adm_weights(similarity(sg["student_feat"], sg["teacher_feat"]), tau)
    if p["variant"] == "decision":
        co = adm_co_decision(x["student_feat"], x["student_head_w"], x["student_head_b"], w_co,
                             z_sg["teacher"], T)
    elif p["variant"] == "mimicry":
        co = adm_co_mimicry(x["student_feat"], sg["teacher_feat"], w_co)
    else:
        raise ValueError(p["variant"])
    terms = {"ce/student": ce(z["student"], y),
             "kl/student": klt(z_sg["teacher"], z["student"], T),
             "co/student": co,
             "ce/teacher": ce(z["teacher"], y),
             "kl/teacher": klt(z_sg["student"], z["teacher"], T),
             "di/teacher": adm_di(x["teacher_feat"], x["teacher_head_w"], x["teacher_head_b"], w_di, y)}
    totals = {"student": terms["ce/student"] + lam * terms["kl/student"] + alpha * terms["co/student"],
              "teacher": terms["ce/teacher"] + lam * terms["kl/teacher"] + beta * terms["di/teacher"]}
    return terms, totals


def method_pixel_kd(x, sg, p):
    T, weight = float(p["T"]), float(p["weight"])
    terms = {"ce/student": F.cross_entropy(x["student_logits"], x["labels"], ignore_index=IGNORE),
             "pkd/student": pixel_kd_loss(x["student_logits"], sg["teacher_logits"], x["labels"], T)}
    return terms, {"student": terms["ce/student"] + weight * terms["pkd/student"], "teacher": None}


# --------------------------------------------------------------------------------------------
# Dense (per-pixel) pieces: logits [B,K,H,W], labels [B,H,W] with IGNORE; "valid" = label != IGNORE,
# N_valid = valid pixels of the whole batch, every mean over valid pixels is (sum over them) / N_valid.
# --------------------------------------------------------------------------------------------

def pixel_ce_map(z, y):
    """CE_i = -log softmax(z)_y per pixel [B,H,W]; 0 at ignored pixels."""
    return F.cross_entropy(z, y, ignore_index=IGNORE, reduction="none")


def pixel_kl_map(z_s, z_t, T):
    """T^2 * KL(softmax(sg z_t/T) || softmax(z_s/T)) over classes per pixel [B,H,W]."""
    q = F.softmax(z_t.detach() / T, dim=1)
    return T * T * (q * (torch.log(q) - F.log_softmax(z_s / T, dim=1))).sum(1)


def valid_mean(v, y):
    """(1/N_valid) * sum over valid pixels of v [B,H,W]."""
    valid = y != IGNORE
    return v[valid].sum() / valid.sum()


def upsample_nearest(w, stride):
    """[B,h,w] -> [B,h*stride,w*stride]: pixel (y,x) takes location (y//stride, x//stride)."""
    return w.repeat_interleave(stride, dim=1).repeat_interleave(stride, dim=2)


def adm_valid_weights(s, valid_f, tau):
    """Dense ADM weights [B,h,w]: w_co = n_b valid_f exp(S/tau) / sum_l valid_f exp(S/tau), n_b = sum_l valid_f
    (all zero when n_b = 0); w_di the same with -S. S detached."""
    s = s.detach()
    n = valid_f.sum(dim=(1, 2), keepdim=True)

    def weights(sign):
        e = valid_f * torch.exp(sign * s / tau)
        den = e.sum(dim=(1, 2), keepdim=True)
        return torch.where(den > 0, n * e / den.clamp_min(1e-300), torch.zeros_like(e))

    return weights(+1.0), weights(-1.0)


def location_normalize(f):
    """n(F) = F / sqrt(max(sum_c F_c^2, 1e-16)) at each location."""
    return f / torch.sqrt(f.pow(2).sum(dim=1, keepdim=True).clamp_min(1e-16))


def standardise(f):
    """(F - mean) / sqrt(var + 1e-5) per channel over (b,h,w), var biased."""
    mean = f.mean(dim=(0, 2, 3), keepdim=True)
    var = (f - mean).pow(2).mean(dim=(0, 2, 3), keepdim=True)
    return (f - mean) / torch.sqrt(var + 1e-5)


def rdd_hard_mask(z, y, hard_threshold, hard_fraction):
    """RDD hard pixels of sg logits z: valid and p_y <= th, th = max(hard_threshold, k-th smallest valid p_y),
    k = min(n, max(1, ceil(hard_fraction * n))), n = valid pixels of the batch."""
    valid = y != IGNORE
    p = F.softmax(z.detach(), dim=1).gather(1, torch.where(valid, y, torch.zeros_like(y))[:, None]).squeeze(1)
    ps = torch.sort(p[valid]).values
    n = ps.numel()
    k = min(n, max(1, math.ceil(hard_fraction * n)))
    th = max(hard_threshold, ps[k - 1].item())
    return valid & (p <= th)


def method_dml_dense(x, sg, p):
    T, lam = float(p["T"]), float(p["lambda"])
    y = x["labels"]
    terms = {"ce/student": valid_mean(pixel_ce_map(x["student_logits"], y), y),
             "kl/student": valid_mean(pixel_kl_map(x["student_logits"], sg["teacher_logits"], T), y),
             "ce/teacher": valid_mean(pixel_ce_map(x["teacher_logits"], y), y),
             "kl/teacher": valid_mean(pixel_kl_map(x["teacher_logits"], sg["student_logits"], T), y)}
    return terms, {m: terms[f"ce/{m}"] + lam * terms[f"kl/{m}"] for m in NETWORKS}


def method_adm_dense(x, sg, p):
    T, tau, alpha, beta, lam = (float(p[k]) for k in ("T", "tau", "alpha", "beta", "lambda"))
    y = x["labels"]
    z_s, z_t = x["student_logits"], x["teacher_logits"]
    stride = y.shape[1] // x["student_feat"].shape[2]
    similarity = {"cosine": adm_cosine_similarity, "attention": adm_attention_similarity}[p["similarity"]]
    valid_f = (y[:, ::stride, ::stride] != IGNORE).to(z_s.dtype)  # nearest: each block's top-left pixel
    w_co, w_di = adm_valid_weights(similarity(sg["student_feat"], sg["teacher_feat"]), valid_f, tau)
    if p["variant"] == "decision":
        co = valid_mean(upsample_nearest(w_co, stride) * pixel_kl_map(z_s, sg["teacher_logits"], T), y)
    elif p["variant"] == "mimicry":
        dist = (location_normalize(x["student_feat"]) - location_normalize(sg["teacher_feat"])).pow(2).sum(dim=1)
        co = (w_co * dist).sum() / valid_f.sum().clamp_min(1.0)
    else:
        raise ValueError(p["variant"])
    terms = {"ce/student": valid_mean(pixel_ce_map(z_s, y), y),
             "kl/student": valid_mean(pixel_kl_map(z_s, sg["teacher_logits"], T), y),
             "co/student": co,
             "ce/teacher": valid_mean(pixel_ce_map(z_t, y), y),
             "kl/teacher": valid_mean(pixel_kl_map(z_t, sg["student_logits"], T), y),
             "di/teacher": valid_mean(upsample_nearest(w_di, stride) * pixel_ce_map(z_t, y), y)}
    totals = {"student": terms["ce/student"] + lam * terms["kl/student"] + alpha * terms["co/student"],
              "teacher": terms["ce/teacher"] + lam * terms["kl/teacher"] + beta * terms["di/teacher"]}
    return terms, totals


def method_akd(x, sg, p):
    """AKD with drop rate p = 0: every avatar is sg F_t, so the spreads are 0 and the weights 1/avatars."""
    tau, weight, n_avatars = float(p["tau"]), float(p["weight"]), int(p["avatars"])
    assert float(p["p"]) == 0.0, "only p=0 (deterministic avatars) has reference values"
    y = x["labels"]
    u = standardise(x[f"student_{p['tap']}"])
    f_t = sg[f"teacher_{p['tap']}"]
    avatars = [f_t.clone() for _ in range(n_avatars)]  # dropout with p = 0
    v = torch.stack([(a - f_t).flatten(1).var(dim=1, unbiased=False).mean() for a in avatars])
    u_k = F.softmax(-v / v.mean().clamp_min(1e-12), dim=0)
    if p["base"] == "mse":
        base = [(u - a).pow(2).mean() for a in avatars]
    elif p["base"] == "cwd":
        base = [cwd_loss(u, a, tau) for a in avatars]
    else:
        raise ValueError(p["base"])
    terms = {"ce/student": valid_mean(pixel_ce_map(x["student_logits"], y), y),
             "akd/student": sum(u_k[k] * base[k] for k in range(n_avatars))}
    return terms, {"student": terms["ce/student"] + weight * terms["akd/student"], "teacher": None}


def method_rdd(x, sg, p):
    T, kd_weight, stage = float(p["T"]), float(p["kd_weight"]), float(p["rdd_tse"])
    hard_threshold, hard_fraction = float(p["hard_threshold"]), float(p["hard_fraction"])
    y = x["labels"]
    z_s = x["student_logits"]
    ce_s = pixel_ce_map(z_s, y)
    log_a = F.log_softmax(sg["teacher_aux"], dim=1)
    d = (log_a.exp() * (log_a - F.log_softmax(sg["teacher_logits"], dim=1))).sum(1)
    tfe = valid_mean(torch.exp(-d) * ce_s, y)
    m = (rdd_hard_mask(sg["student_logits"], y, hard_threshold, hard_fraction)
         ^ rdd_hard_mask(sg["teacher_logits"], y, hard_threshold, hard_fraction)) & (y != IGNORE)
    tse = ce_s[m].sum() / max(int(m.sum()), 1)
    terms = {"tfe/student": tfe * (1 - stage),
             "tse/student": tse * stage,
             "stage/student": torch.tensor(stage, dtype=torch.float64),
             "pkd/student": valid_mean(pixel_kl_map(z_s, sg["teacher_logits"], T), y)}
    total = terms["tfe/student"] + terms["tse/student"] + kd_weight * terms["pkd/student"]
    return terms, {"student": total, "teacher": None}


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------

def labels(rng):
    return rng.integers(0, K, size=B).astype(np.int64)


def logits(rng):
    return rng.normal(0.0, LOGIT_STD, size=(B, K))


def features(rng, channels, activation=False):
    """N(0,1) features; activation=True gives relu(N(0,1)) + 0.1 N(0,1), which looks like activations."""
    f = rng.normal(size=(B, channels, H, W))
    return np.maximum(f, 0.0) + 0.1 * rng.normal(size=f.shape) if activation else f


def head(rng, channels):
    return rng.normal(0.0, HEAD_W_STD, size=(channels, K)), rng.normal(0.0, HEAD_B_STD, size=K)


def logit_inputs(rng):
    return {"labels": labels(rng), "student_logits": logits(rng), "teacher_logits": logits(rng)}


def feature_inputs(c_teacher, activation):
    def make(rng):
        return {"labels": labels(rng), "student_logits": logits(rng),
                "student_feat": features(rng, C, activation),
                "teacher_feat": features(rng, c_teacher, activation)}
    return make


def adm_inputs(c_teacher, activation):
    def make(rng):
        inputs = {"labels": labels(rng)}
        for m, channels in (("student", C), ("teacher", c_teacher)):
            inputs[f"{m}_feat"] = features(rng, channels, activation)
            inputs[f"{m}_head_w"], inputs[f"{m}_head_b"] = head(rng, channels)
        return inputs
    return make


def dense_logit_inputs(rng):
    """Per-pixel logits [B,K,H,W] and labels [B,H,W] with about a fifth of the pixels ignored."""
    y = rng.integers(0, K, size=(B, H, W)).astype(np.int64)
    y[rng.random(size=(B, H, W)) < 0.2] = IGNORE
    return {"labels": y, "student_logits": rng.normal(0.0, LOGIT_STD, size=(B, K, H, W)),
            "teacher_logits": rng.normal(0.0, LOGIT_STD, size=(B, K, H, W))}


def adm_params(similarity, variant):
    return {"T": "3", "tau": "0.5", "alpha": "1", "beta": "1", "lambda": "1",
            "similarity": similarity, "variant": variant}


def dense_feature_inputs(rng):
    """Dense logits and labels, plus student_feat / teacher_feat [B,C,H/2,W/2] (stride 2)."""
    inputs = dense_logit_inputs(rng)
    inputs["student_feat"] = rng.normal(size=(B, C, H // 2, W // 2))
    inputs["teacher_feat"] = rng.normal(size=(B, C, H // 2, W // 2))
    return inputs


def akd_inputs(rng):
    """Dense labels, student_logits [B,K,H,W], student_feat / teacher_feat [B,C,H,W]."""
    y = rng.integers(0, K, size=(B, H, W)).astype(np.int64)
    y[rng.random(size=(B, H, W)) < 0.2] = IGNORE
    return {"labels": y, "student_logits": rng.normal(0.0, LOGIT_STD, size=(B, K, H, W)),
            "student_feat": features(rng, C), "teacher_feat": features(rng, C)}


def rdd_inputs(rng):
    """Dense logits and labels, plus the teacher's auxiliary-head logits teacher_aux [B,K,H,W]."""
    inputs = dense_logit_inputs(rng)
    inputs["teacher_aux"] = rng.normal(0.0, LOGIT_STD, size=(B, K, H, W))
    return inputs


def akd_params(base):
    return {"base": base, "tap": "feat", "p": "0", "avatars": "2", "tau": "4", "weight": "1",
            "ignore_label": str(IGNORE)}


def rdd_params(stage):
    return {"tfe_fraction": "0.1", "hard_threshold": "0.5", "hard_fraction": "0.2", "aux_weight": "0.4",
            "T": "1", "kd_weight": "1", "rdd_tse": str(stage), "ignore_label": str(IGNORE)}


# name: (method name, params, method function, input maker, networks that train)
CASES = {
    "kd": ("kd", {"T": "4", "a": "0.1", "b": "0.9"}, method_kd, logit_inputs, ("student",)),
    "dkd": ("dkd", {"T": "4", "alpha": "1", "beta": "8", "warmup_factor": "0.5"}, method_dkd,
            logit_inputs, ("student",)),
    "dml": ("dml", {"T": "3", "lambda": "1"}, method_dml, logit_inputs, NETWORKS),
    "kdcl": ("kdcl", {"T": "3", "lambda": "1"}, method_kdcl, logit_inputs, NETWORKS),
    "at": ("at", {"beta": "1000", "layers": "feat"}, method_at, feature_inputs(C_WIDE, True),
           ("student",)),
    "cwd": ("cwd", {"tau": "4", "weight": "1", "tap": "feat"}, method_cwd, feature_inputs(C, False),
            ("student",)),
    "adm_decision_cosine": ("adm", adm_params("cosine", "decision"), method_adm,
                            adm_inputs(C, False), NETWORKS),
    "adm_mimicry_cosine": ("adm", adm_params("cosine", "mimicry"), method_adm,
                           adm_inputs(C, False), NETWORKS),
    "adm_decision_attention": ("adm", adm_params("attention", "decision"), method_adm,
                               adm_inputs(C_WIDE, True), NETWORKS),
    "pixel_kd": ("pixel-kd", {"T": "2", "weight": "1", "ignore_label": str(IGNORE)}, method_pixel_kd,
                 dense_logit_inputs, ("student",)),
    "dml_dense": ("dml", {"T": "3", "lambda": "1", "ignore_label": str(IGNORE)}, method_dml_dense,
                  dense_logit_inputs, NETWORKS),
    "adm_dense_decision": ("adm", {**adm_params("cosine", "decision"), "ignore_label": str(IGNORE)},
                           method_adm_dense, dense_feature_inputs, NETWORKS),
    "adm_dense_mimicry": ("adm", {**adm_params("cosine", "mimicry"), "ignore_label": str(IGNORE)},
                          method_adm_dense, dense_feature_inputs, NETWORKS),
    "akd_mse": ("akd", akd_params("mse"), method_akd, akd_inputs, ("student",)),
    "akd_cwd": ("akd", akd_params("cwd"), method_akd, akd_inputs, ("student",)),
    "rdd_tfe": ("rdd", rdd_params(0), method_rdd, rdd_inputs, ("student",)),
    "rdd_tse": ("rdd", rdd_params(1), method_rdd, rdd_inputs, ("student",)),
}


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

def to_float32(inputs):
    return {k: np.ascontiguousarray(v if v.dtype == np.int64 else v.astype(np.float32))
            for k, v in inputs.items()}


def to_float64_tensors(inputs32):
    return {k: torch.from_numpy(v) if v.dtype == np.int64 else torch.from_numpy(v.astype(np.float64))
            for k, v in inputs32.items()}


def own_inputs(x, network):
    return [k for k in x if k.startswith(network + "_")]


def check_gradients(name, method, params, x, sg, networks):
    """gradcheck each training network's total as a function of its own inputs (sg values fixed)."""
    for net in networks:
        keys = own_inputs(x, net)

        def total(*own, net=net, keys=keys):
            return method({**x, **dict(zip(keys, own))}, sg, params)[1][net]

        own = tuple(x[k].detach().clone().requires_grad_(True) for k in keys)
        if not torch.autograd.gradcheck(total, own, eps=1e-6, atol=1e-6, rtol=1e-4):
            raise AssertionError(f"{name}: gradcheck failed for the {net}")


def run_case(name, out):
    method_name, params, method, make_inputs, networks = CASES[name]
    rng = np.random.default_rng([SEED, zlib.crc32(name.encode())])
    inputs32 = to_float32(make_inputs(rng))
    if method_name == "adm" and inputs32["labels"].ndim == 1:
        # ADM logits come from the heads, never from files (dense ADM reads per-pixel logits files)
        assert not any(k.endswith("_logits") for k in inputs32)

    x = to_float64_tensors(inputs32)
    trainable = [k for net in networks for k in own_inputs(x, net)]
    for k in trainable:
        x[k].requires_grad_(True)
    sg = {k: v.detach() for k, v in x.items()}

    check_gradients(name, method, params, x, sg, networks)
    terms, totals = method(x, sg, params)
    grads = {}
    for net in networks:
        keys = own_inputs(x, net)
        for k, g in zip(keys, torch.autograd.grad(totals[net], [x[k] for k in keys], retain_graph=True,
                                                  allow_unused=True)):
            if g is not None:  # an input used only through sg values has no gradient file
                grads[k] = g

    case_dir = out / name
    if case_dir.exists():
        shutil.rmtree(case_dir)
    (case_dir / "inputs").mkdir(parents=True)
    (case_dir / "expected").mkdir()
    for k, v in inputs32.items():
        np.save(case_dir / "inputs" / f"{k}.npy", v)
    for k, g in grads.items():
        np.save(case_dir / "expected" / f"grad_{k}.npy", np.ascontiguousarray(g.numpy().astype(np.float32)))
    (case_dir / "params.json").write_text(json.dumps({"method": method_name, "params": params}, indent=2) + "\n")
    loss = {"student": totals["student"].item(),
            "teacher": None if totals["teacher"] is None or "teacher" not in networks
            else totals["teacher"].item(),
            "terms": {k: v.item() for k, v in terms.items()}}
    (case_dir / "expected" / "loss.json").write_text(json.dumps(loss, indent=2) + "\n")
    return loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="output directory (one subdirectory per case)")
    args = parser.parse_args()
    torch.manual_seed(SEED)  # nothing here draws from torch's generator; set for safety
    for name in CASES:
        loss = run_case(name, args.out)
        print(f"{name}: student={loss['student']:.6f} teacher={loss['teacher']} terms={sorted(loss['terms'])}")


if __name__ == "__main__":
    main()
