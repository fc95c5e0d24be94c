/**
 * Diffusion distillation task: noise schedules ({@link dev.adm.diffusion.NoiseSchedule}), a U-Net with timestep
 * embeddings as a DL4J ComputationGraph ({@link dev.adm.diffusion.UNet}), DDPM and DDIM samplers
 * ({@link dev.adm.diffusion.Samplers}); distillation with ADM arrives with the rest of issue 7.
 */
package dev.adm.diffusion;
