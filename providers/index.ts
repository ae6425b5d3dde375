/** @module The static provider registry (Workers cannot read a directory at run time). */
import type { AnyProvider } from '../src/provider/types.ts'
import adyen from './adyen.ts'
import coinbase from './coinbase.ts'
import flutterwave from './flutterwave.ts'
import generic from './generic.ts'
import lemonsqueezy from './lemonsqueezy.ts'
import paddle from './paddle.ts'
import paypal from './paypal.ts'
import paystack from './paystack.ts'
import polar from './polar.ts'
import razorpay from './razorpay.ts'
import shopify from './shopify.ts'
import square from './square.ts'
import standardWebhooks from './standard-webhooks.ts'
import stripe from './stripe.ts'
import worldpay from './worldpay.ts'

export const providers: readonly AnyProvider[] = [stripe, adyen, generic, paypal, paystack, shopify, coinbase, polar, standardWebhooks, flutterwave, worldpay, square, lemonsqueezy, razorpay, paddle]
