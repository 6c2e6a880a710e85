fn f(x) = softmax(x, axs: 1)
//                   ^^^ FTL0302
