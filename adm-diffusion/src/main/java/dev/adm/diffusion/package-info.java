/**
 * Diffusion distillation task: DDPM U-Nets, samplers and ADM-weighted distillation. Not built yet: it
 * arrives with issue 7; the module exists so that the dependency layout is fixed now.
 */
package dev.adm.diffusion;
