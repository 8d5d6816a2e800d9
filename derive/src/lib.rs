//! `#[derive(Module)]` for typetensor (use it as `typetensor::nn::Module`): what PyTorch's
//! `nn.Module` base class gives a custom module by reflection, generated from the struct's
//! fields.
//!
//! For a struct whose fields are modules (`linear1: Linear<D_IN, H, f32, Dev>`), the derive
//! implements:
//!
//! - `nn::Parameters<E, D>`: every field's parameters (and buffers, as BatchNorm's running
//!   statistics) under PyTorch's `state_dict` names (`linear1.weight`), hence
//!   `model.zero_grad()`, every optimizer and `nn::save`/`nn::load`;
//! - `nn::Training`: `model.train()` / `model.eval()` reach every field;
//! - `Debug`: `print(model)`'s text, fields in order (`(linear1): Linear(...)`);
//! - `nn::ToDevice<D2>` when the struct has a type parameter bounded by `Device`
//!   (`Dev: Device`): `model.to_device(&cuda)` is the same struct with `Dev = D2`.
//!
//! Field attributes: `#[module(param)]` marks a tensor that is itself a parameter
//! (`nn.Parameter`: named after the field, moved as a parameter, not printed);
//! `#[module(skip)]` a field that is no module (a flag, a size): cloned by device moves and
//! otherwise ignored. The user writes the struct and its `forward` (`impl Module<X>`).
use proc_macro::TokenStream;
use proc_macro2::{Group, Ident, TokenStream as Tokens, TokenTree};
use quote::{format_ident, quote};
use syn::{
    Data, DeriveInput, Fields, Generics, Type, TypeParamBound, WherePredicate, parse_macro_input,
    parse_quote,
};

/// What a field is to its module.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A module: parameters, printing, train/eval, device moves.
    Module,
    /// A parameter tensor (`#[module(param)]`).
    Param,
    /// Anything else (`#[module(skip)]`).
    Skip,
}

struct Field {
    ident: Ident,
    name: String,
    ty: Type,
    kind: Kind,
}

/// Derives `Parameters`, `Training`, `Debug` (PyTorch's `print(model)`) and, for a struct
/// generic over its device, `ToDevice`. See the crate documentation.
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn fields(input: &DeriveInput) -> syn::Result<Vec<Field>> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`#[derive(Module)]` needs a struct whose fields are its modules",
        ));
    };
    let named = match &data.fields {
        Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
        Fields::Unit => Vec::new(),
        Fields::Unnamed(_) => {
            return Err(syn::Error::new_spanned(
                &input.ident,
                "`#[derive(Module)]` needs named fields: they are the parameters' `state_dict` names",
            ));
        }
    };
    let mut out = Vec::new();
    for f in named {
        let mut kind = Kind::Module;
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("module")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("param") {
                    kind = Kind::Param;
                    Ok(())
                } else if meta.path.is_ident("skip") {
                    kind = Kind::Skip;
                    Ok(())
                } else {
                    Err(meta.error("expected `#[module(param)]` or `#[module(skip)]`"))
                }
            })?;
        }
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let name = ident.to_string().trim_start_matches("r#").to_string();
        out.push(Field {
            ident,
            name,
            ty: f.ty.clone(),
            kind,
        });
    }
    Ok(out)
}

/// The struct's type parameter bounded by `Device` (`Dev: Device`), if any.
fn device_param(generics: &Generics) -> Option<Ident> {
    let is_device = |b: &TypeParamBound| match b {
        TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Device"),
        _ => false,
    };
    let in_where = |ident: &Ident| {
        generics.where_clause.as_ref().is_some_and(|w| {
            w.predicates.iter().any(|p| match p {
                WherePredicate::Type(t) => {
                    matches!(&t.bounded_ty, Type::Path(tp) if tp.path.is_ident(ident))
                        && t.bounds.iter().any(is_device)
                }
                _ => false,
            })
        })
    };
    generics.type_params().find_map(|p| {
        (p.bounds.iter().any(is_device) || in_where(&p.ident)).then(|| p.ident.clone())
    })
}

/// `tokens` with every `from` identifier replaced by `to`.
fn substitute(tokens: Tokens, from: &Ident, to: &Ident) -> Tokens {
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == *from => TokenTree::Ident(to.clone()),
            TokenTree::Group(g) => {
                let mut new = Group::new(g.delimiter(), substitute(g.stream(), from, to));
                new.set_span(g.span());
                TokenTree::Group(new)
            }
            other => other,
        })
        .collect()
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let fields = fields(input)?;
    let name = &input.ident;
    let name_str = name.to_string();
    let tt = quote!(::typetensor);
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    let base_preds: Vec<WherePredicate> = where_clause
        .map(|w| w.predicates.iter().cloned().collect())
        .unwrap_or_default();

    let modules: Vec<&Field> = fields.iter().filter(|f| f.kind == Kind::Module).collect();
    let with_params: Vec<&Field> = fields.iter().filter(|f| f.kind != Kind::Skip).collect();

    // Parameters<E, D>: every module's and parameter field's parameters, prefixed.
    let mut generics = input.generics.clone();
    generics.params.push(parse_quote!(__E: #tt::FloatDtype));
    generics.params.push(parse_quote!(__D: #tt::Device));
    let mut preds = base_preds.clone();
    for f in &with_params {
        let ty = &f.ty;
        preds.push(parse_quote!(#ty: #tt::nn::Parameters<__E, __D>));
    }
    let (impl_generics, _, _) = generics.split_for_impl();
    let (idents, names): (Vec<_>, Vec<_>) = with_params.iter().map(|f| (&f.ident, &f.name)).unzip();
    let parameters = quote! {
        impl #impl_generics #tt::nn::Parameters<__E, __D> for #name #ty_generics
        where #(#preds,)*
        {
            fn parameters(&self) -> ::std::vec::Vec<#tt::nn::ParamRef<'_, __E, __D>> {
                let mut all = ::std::vec::Vec::new();
                #(all.extend(#tt::nn::prefixed_ref(
                    #names,
                    #tt::nn::Parameters::<__E, __D>::parameters(&self.#idents),
                ));)*
                all
            }
            fn parameters_mut(&mut self) -> ::std::vec::Vec<#tt::nn::Param<'_, __E, __D>> {
                let mut all = ::std::vec::Vec::new();
                #(all.extend(#tt::nn::prefixed(
                    #names,
                    #tt::nn::Parameters::<__E, __D>::parameters_mut(&mut self.#idents),
                ));)*
                all
            }
            fn buffers(&self) -> ::std::vec::Vec<#tt::nn::Buffer<__E, __D>> {
                let mut all = ::std::vec::Vec::new();
                #(all.extend(#tt::nn::prefixed_buffers(
                    #names,
                    #tt::nn::Parameters::<__E, __D>::buffers(&self.#idents),
                ));)*
                all
            }
            fn set_buffer(
                &mut self,
                name: &str,
                value: #tt::nn::BufferValue<__E, __D>,
            ) -> #tt::Result<bool> {
                #(if let ::core::option::Option::Some(rest) = #tt::nn::strip_prefix(name, #names) {
                    return #tt::nn::Parameters::<__E, __D>::set_buffer(&mut self.#idents, rest, value);
                })*
                let _ = value;
                ::core::result::Result::Ok(false)
            }
        }
    };

    // Training, Debug: the module fields.
    let (impl_generics, _, _) = input.generics.split_for_impl();
    let (mod_idents, mod_names): (Vec<_>, Vec<_>) =
        modules.iter().map(|f| (&f.ident, &f.name)).unzip();
    let mod_tys: Vec<&Type> = modules.iter().map(|f| &f.ty).collect();
    let training = quote! {
        impl #impl_generics #tt::nn::Training for #name #ty_generics
        where #(#base_preds,)* #(#mod_tys: #tt::nn::Training,)*
        {
            #[allow(unused_variables)]
            fn set_training(&mut self, training: bool) {
                #(#tt::nn::Training::set_training(&mut self.#mod_idents, training);)*
            }
        }
    };
    let debug = quote! {
        impl #impl_generics ::core::fmt::Debug for #name #ty_generics
        where #(#base_preds,)* #(#mod_tys: ::core::fmt::Debug,)*
        {
            /// As PyTorch's `print(model)`: the module fields in order, with their names.
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #tt::nn::fmt_module(f, #name_str, "", &[
                    #((#mod_names, &self.#mod_idents as &dyn ::core::fmt::Debug),)*
                ])
            }
        }
    };

    let to_device = match device_param(&input.generics) {
        Some(dev) => to_device(input, &fields, &dev, &base_preds)?,
        None => Tokens::new(),
    };
    Ok(quote! {
        #parameters
        #training
        #debug
        #to_device
    })
}

/// `ToDevice<D2>` for a struct generic over its device `dev`: the same struct with `dev`
/// replaced by `D2`.
fn to_device(
    input: &DeriveInput,
    fields: &[Field],
    dev: &Ident,
    base_preds: &[WherePredicate],
) -> syn::Result<Tokens> {
    let tt = quote!(::typetensor);
    let name = &input.ident;
    let d2 = format_ident!("__D2");
    let subst_ty =
        |ty: &Type| -> syn::Result<Type> { syn::parse2(substitute(quote!(#ty), dev, &d2)) };
    let mut generics = input.generics.clone();
    let dev_bounds = input
        .generics
        .type_params()
        .find(|p| p.ident == *dev)
        .map(|p| p.bounds.clone())
        .unwrap_or_default();
    let dev_bounds = substitute(quote!(#dev_bounds), dev, &d2);
    generics
        .params
        .push(parse_quote!(#d2: #tt::Device + #dev_bounds));
    let mut preds: Vec<WherePredicate> = base_preds.to_vec();
    for p in base_preds {
        preds.push(syn::parse2(substitute(quote!(#p), dev, &d2))?);
    }
    let mut inits = Vec::new();
    for f in fields {
        let (ident, ty) = (&f.ident, &f.ty);
        let moved = subst_ty(ty)?;
        inits.push(match f.kind {
            Kind::Module => {
                preds.push(parse_quote!(#ty: #tt::nn::ToDevice<#d2, Output = #moved>));
                quote!(#ident: #tt::nn::ToDevice::try_to_device(&self.#ident, device)?)
            }
            Kind::Param => quote!(#ident: #tt::nn::move_param(&self.#ident, device)?),
            Kind::Skip => {
                preds.push(parse_quote!(#ty: ::core::clone::Clone));
                quote!(#ident: ::core::clone::Clone::clone(&self.#ident))
            }
        });
    }
    let (impl_generics, _, _) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let out_generics = substitute(quote!(#ty_generics), dev, &d2);
    Ok(quote! {
        impl #impl_generics #tt::nn::ToDevice<#d2> for #name #ty_generics
        where #(#preds,)*
        {
            type Output = #name #out_generics;
            #[allow(unused_variables)]
            fn try_to_device(&self, device: &#d2) -> #tt::Result<Self::Output> {
                ::core::result::Result::Ok(#name { #(#inits,)* })
            }
        }
    })
}
